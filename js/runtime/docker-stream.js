// The two framings the Docker Engine API streams in, decoded strictly and with bounded buffers:
// JSON messages one per line (build, push, pull progress), and the multiplexed stdout/stderr of
// an attached container without a TTY (8-byte headers: stream, 0, 0, 0, then the payload's size
// as a big-endian uint32).

import { engineError } from "./engine-errors.js";

/** The longest JSON message line kept (bytes): a longer one is an ENGINE_BAD_ANSWER. */
export const MAX_JSON_LINE_BYTES = 1 << 20;
/** The largest multiplexed frame accepted (bytes): dockerd writes at most 32 KiB per frame. */
export const MAX_FRAME_BYTES = 1 << 20;

const decoder = new TextDecoder("utf-8", { fatal: true });

/**
 * The JSON objects of a newline-delimited stream, in order. Blank lines are skipped; a line that
 * is not a JSON object, is not UTF-8 or is longer than `MAX_JSON_LINE_BYTES` is an
 * ENGINE_BAD_ANSWER naming `what`.
 * @param {AsyncIterable<Uint8Array>} chunks
 * @param {string} what the request, for messages ("POST /build")
 * @returns {AsyncGenerator<Record<string, unknown>>}
 */
export async function* jsonMessages(chunks, what) {
  /** @type {Uint8Array[]} */
  let parts = [];
  let held = 0;
  const line = (/** @type {Uint8Array} */ bytes) => {
    let text;
    try {
      text = decoder.decode(bytes).trim();
    } catch {
      throw engineError("ENGINE_BAD_ANSWER", `${what}: a message line is not UTF-8`);
    }
    if (text === "") return undefined;
    let value;
    try {
      value = JSON.parse(text);
    } catch {
      throw engineError("ENGINE_BAD_ANSWER", `${what}: a message line is not JSON: ${JSON.stringify(text.slice(0, 200))}`);
    }
    if (value === null || typeof value !== "object" || Array.isArray(value)) {
      throw engineError("ENGINE_BAD_ANSWER", `${what}: a message line is not a JSON object: ${JSON.stringify(text.slice(0, 200))}`);
    }
    return /** @type {Record<string, unknown>} */ (value);
  };
  const tooLong = () => engineError("ENGINE_BAD_ANSWER", `${what}: a message line is longer than ${MAX_JSON_LINE_BYTES} bytes`);
  for await (const chunk of chunks) {
    let start = 0;
    for (let nl = chunk.indexOf(10); nl !== -1; nl = chunk.indexOf(10, start)) {
      const piece = chunk.subarray(start, nl);
      if (held + piece.length > MAX_JSON_LINE_BYTES) throw tooLong();
      const bytes = parts.length === 0 ? piece : Buffer.concat([...parts, piece]);
      parts = [];
      held = 0;
      const value = line(bytes);
      if (value) yield value;
      start = nl + 1;
    }
    if (start < chunk.length) {
      const rest = chunk.subarray(start);
      if (held + rest.length > MAX_JSON_LINE_BYTES) throw tooLong();
      parts.push(Uint8Array.from(rest));
      held += rest.length;
    }
  }
  if (held > 0) {
    const value = line(Buffer.concat(parts));
    if (value) yield value;
  }
}

/**
 * A decoder of the multiplexed stream of `POST /containers/{id}/attach` (no TTY): fed chunks as
 * they come, it calls `onFrame(1 | 2, payload)` for stdout and stderr. Stream 3 (the engine's
 * own error, API 1.41+) and any other header (a stream other than 1–3, non-zero padding, a frame
 * over `MAX_FRAME_BYTES`) are thrown as ENGINE_BAD_ANSWER; `end()` throws if a frame was cut off.
 * @param {(stream: 1 | 2, payload: Uint8Array) => void} onFrame
 */
export function frameDecoder(onFrame) {
  const header = new Uint8Array(8);
  let headerHeld = 0;
  /** @type {Uint8Array | undefined} */
  let payload;
  let payloadHeld = 0;
  let stream = 0;
  /** @type {Uint8Array[]} the engine's own error text (stream 3) */
  const systemError = [];
  const bad = (/** @type {string} */ why) => engineError("ENGINE_BAD_ANSWER", `the attached output is not the engine's multiplexed stream: ${why}`);

  const deliver = (/** @type {Uint8Array} */ bytes) => {
    if (stream === 3) systemError.push(bytes);
    else onFrame(/** @type {1 | 2} */ (stream), bytes);
  };
  return {
    /** Decodes one chunk. @param {Uint8Array} chunk */
    push(chunk) {
      let at = 0;
      while (at < chunk.length) {
        if (payload === undefined) {
          const take = Math.min(8 - headerHeld, chunk.length - at);
          header.set(chunk.subarray(at, at + take), headerHeld);
          headerHeld += take;
          at += take;
          if (headerHeld < 8) return;
          headerHeld = 0;
          stream = header[0];
          if (stream < 1 || stream > 3) throw bad(`frame header ${Buffer.from(header).toString("hex")} names stream ${stream}`);
          if (header[1] !== 0 || header[2] !== 0 || header[3] !== 0) throw bad(`frame header ${Buffer.from(header).toString("hex")} has non-zero padding`);
          const size = ((header[4] << 24) >>> 0) + (header[5] << 16) + (header[6] << 8) + header[7];
          if (size > MAX_FRAME_BYTES) throw bad(`a frame of ${size} bytes (more than ${MAX_FRAME_BYTES})`);
          if (size === 0) continue;
          payload = new Uint8Array(size);
          payloadHeld = 0;
        } else {
          const take = Math.min(payload.length - payloadHeld, chunk.length - at);
          payload.set(chunk.subarray(at, at + take), payloadHeld);
          payloadHeld += take;
          at += take;
          if (payloadHeld === payload.length) {
            const done = payload;
            payload = undefined;
            deliver(done);
          }
        }
      }
    },
    /** Checks that the stream ended between frames and that the engine reported no error. */
    end() {
      if (headerHeld !== 0 || payload !== undefined) throw bad("it ends inside a frame");
      if (systemError.length > 0) {
        throw engineError("ENGINE_API", `the engine reported an error on the attached stream: ${Buffer.concat(systemError).toString("utf8").slice(0, 2000)}`);
      }
    },
  };
}
