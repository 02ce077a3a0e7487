// BuildKit's progress, as dockerd streams it from `POST /build?version=2`: JSON messages
// `{"id": "moby.buildkit.trace", "aux": "<base64>"}` whose bytes are a protobuf
// `moby.buildkit.v1.StatusResponse` (buildkit's api/services/control/control.proto):
//
//   StatusResponse { repeated Vertex vertexes = 1; repeated VertexStatus statuses = 2;
//                    repeated VertexLog logs = 3; repeated VertexWarning warnings = 4; }
//   Vertex         { string digest = 1; repeated string inputs = 2; string name = 3;
//                    bool cached = 4; Timestamp started = 5; Timestamp completed = 6;
//                    string error = 7; … }
//   VertexStatus   { string ID = 1; string vertex = 2; string name = 3; int64 current = 4;
//                    int64 total = 5; Timestamp timestamp = 6; Timestamp started = 7;
//                    Timestamp completed = 8; }
//   VertexLog      { string vertex = 1; Timestamp timestamp = 2; int64 stream = 3; bytes msg = 4; }
//   VertexWarning  { string vertex = 1; int64 level = 2; bytes short = 3; … }
//   Timestamp      { int64 seconds = 1; int32 nanos = 2; }
//
// A small strict protobuf reader: a known field of the wrong wire type, a truncated value, a
// varint over 10 bytes or beyond 2^53, a group or an unknown wire type is a TraceFormatError;
// unknown fields of a valid wire type are skipped (newer BuildKits add fields).

/** Bytes that are not a StatusResponse. */
export class TraceFormatError extends Error {}

const utf8 = new TextDecoder("utf-8", { fatal: true });

/**
 * The fields of one message: calls `field(number, wireType, reader)` for each, in order.
 * @param {Uint8Array} bytes
 * @param {(number: number, wire: number, r: Reader) => void} field
 */
function readMessage(bytes, field) {
  const r = new Reader(bytes);
  while (!r.done()) {
    const key = r.varint();
    const number = Math.floor(key / 8);
    const wire = key % 8;
    if (number === 0) throw new TraceFormatError("field number 0");
    const before = r.at;
    field(number, wire, r);
    if (r.at === before) r.skip(wire);
  }
}

/** A cursor over protobuf bytes. */
class Reader {
  /** @param {Uint8Array} bytes */
  constructor(bytes) {
    this.bytes = bytes;
    this.at = 0;
  }

  done() {
    return this.at >= this.bytes.length;
  }

  /** An unsigned varint as a safe integer. */
  varint() {
    let value = 0;
    let scale = 1;
    for (let i = 0; i < 10; i++) {
      if (this.at >= this.bytes.length) throw new TraceFormatError("a varint is cut off");
      const byte = this.bytes[this.at++];
      value += (byte & 0x7f) * scale;
      if (!Number.isSafeInteger(value)) throw new TraceFormatError("a varint is beyond 2^53");
      if ((byte & 0x80) === 0) return value;
      scale *= 128;
    }
    throw new TraceFormatError("a varint is longer than 10 bytes");
  }

  /** A length-delimited value's bytes. */
  bytesField() {
    const length = this.varint();
    if (length > this.bytes.length - this.at) throw new TraceFormatError("a length-delimited field runs past the end");
    const out = this.bytes.subarray(this.at, this.at + length);
    this.at += length;
    return out;
  }

  /** Skips a value of wire type `wire`. @param {number} wire */
  skip(wire) {
    if (wire === 0) this.varint();
    else if (wire === 2) this.bytesField();
    else if (wire === 1 || wire === 5) {
      const size = wire === 1 ? 8 : 4;
      if (size > this.bytes.length - this.at) throw new TraceFormatError("a fixed-size field runs past the end");
      this.at += size;
    } else throw new TraceFormatError(`wire type ${wire} (groups and unknown types are not accepted)`);
  }
}

/**
 * Checks a known field's wire type.
 * @param {number} wire
 * @param {number} expected
 * @param {string} name
 */
function expect(wire, expected, name) {
  if (wire !== expected) throw new TraceFormatError(`${name} has wire type ${wire}, not ${expected}`);
}

/** @param {Reader} r @param {number} wire @param {string} name */
function string(r, wire, name) {
  expect(wire, 2, name);
  try {
    return utf8.decode(r.bytesField());
  } catch (error) {
    if (error instanceof TraceFormatError) throw error;
    throw new TraceFormatError(`${name} is not UTF-8`);
  }
}

/** @param {Reader} r @param {number} wire @param {string} name */
function integer(r, wire, name) {
  expect(wire, 0, name);
  return r.varint();
}

/**
 * A Timestamp as milliseconds since the epoch.
 * @param {Reader} r @param {number} wire @param {string} name
 */
function timestamp(r, wire, name) {
  expect(wire, 2, name);
  let seconds = 0;
  let nanos = 0;
  readMessage(r.bytesField(), (n, w, t) => {
    if (n === 1) seconds = integer(t, w, `${name}.seconds`);
    else if (n === 2) nanos = integer(t, w, `${name}.nanos`);
  });
  if (nanos > 999_999_999) throw new TraceFormatError(`${name}.nanos is ${nanos}`);
  return seconds * 1000 + Math.floor(nanos / 1e6);
}

/**
 * Decodes one StatusResponse.
 * @param {Uint8Array} bytes
 * @returns {import("./engine.js").BuildkitStatus}
 */
export function decodeStatus(bytes) {
  /** @type {import("./engine.js").BuildkitStatus} */
  const out = { vertexes: [], statuses: [], logs: [], warnings: [] };
  readMessage(bytes, (number, wire, r) => {
    if (number === 1) {
      expect(wire, 2, "vertexes");
      /** @type {import("./engine.js").BuildkitVertex} */
      const v = { digest: "", inputs: [], name: "", cached: false };
      readMessage(r.bytesField(), (n, w, t) => {
        if (n === 1) v.digest = string(t, w, "Vertex.digest");
        else if (n === 2) v.inputs.push(string(t, w, "Vertex.inputs"));
        else if (n === 3) v.name = string(t, w, "Vertex.name");
        else if (n === 4) v.cached = integer(t, w, "Vertex.cached") !== 0;
        else if (n === 5) v.started = timestamp(t, w, "Vertex.started");
        else if (n === 6) v.completed = timestamp(t, w, "Vertex.completed");
        else if (n === 7) v.error = string(t, w, "Vertex.error");
      });
      out.vertexes.push(v);
    } else if (number === 2) {
      expect(wire, 2, "statuses");
      /** @type {import("./engine.js").BuildkitVertexStatus} */
      const s = { id: "", vertex: "", name: "", current: 0, total: 0 };
      readMessage(r.bytesField(), (n, w, t) => {
        if (n === 1) s.id = string(t, w, "VertexStatus.ID");
        else if (n === 2) s.vertex = string(t, w, "VertexStatus.vertex");
        else if (n === 3) s.name = string(t, w, "VertexStatus.name");
        else if (n === 4) s.current = integer(t, w, "VertexStatus.current");
        else if (n === 5) s.total = integer(t, w, "VertexStatus.total");
        else if (n === 7) s.started = timestamp(t, w, "VertexStatus.started");
        else if (n === 8) s.completed = timestamp(t, w, "VertexStatus.completed");
      });
      out.statuses.push(s);
    } else if (number === 3) {
      expect(wire, 2, "logs");
      /** @type {import("./engine.js").BuildkitVertexLog} */
      const l = { vertex: "", stream: 0, msg: new Uint8Array(0) };
      readMessage(r.bytesField(), (n, w, t) => {
        if (n === 1) l.vertex = string(t, w, "VertexLog.vertex");
        else if (n === 3) l.stream = integer(t, w, "VertexLog.stream");
        else if (n === 4) {
          expect(w, 2, "VertexLog.msg");
          l.msg = t.bytesField();
        }
      });
      out.logs.push(l);
    } else if (number === 4) {
      expect(wire, 2, "warnings");
      /** @type {import("./engine.js").BuildkitVertexWarning} */
      const warning = { vertex: "", level: 0, short: "" };
      readMessage(r.bytesField(), (n, w, t) => {
        if (n === 1) warning.vertex = string(t, w, "VertexWarning.vertex");
        else if (n === 2) warning.level = integer(t, w, "VertexWarning.level");
        else if (n === 3) warning.short = string(t, w, "VertexWarning.short");
      });
      out.warnings.push(warning);
    }
  });
  return out;
}
