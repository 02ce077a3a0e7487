// HTTP to a Docker Engine (or Podman's Docker-compatible service) over a Unix socket or TCP:
// requests with JSON, byte or streamed bodies, answers read with a size cap, and the hijacked
// connection `POST /containers/{id}/attach` upgrades to. Node only (node:http).

import http from "node:http";
import { argumentError, engineError, scrub } from "./engine-errors.js";

/** The most bytes of a JSON answer (or an error answer) read into memory. */
export const MAX_ANSWER_BYTES = 4 << 20;

/**
 * Where the engine listens, from a DOCKER_HOST-style address.
 * @typedef {{ address: string, socketPath?: string, host?: string, port?: number }} Endpoint
 */

/**
 * Parses `unix:///path`, `tcp://host:port` or `http://host:port` (TLS, `ssh://` and `npipe://`
 * are not supported: INVALID_ARGUMENT).
 * @param {unknown} address
 * @returns {Endpoint}
 */
export function parseHost(address) {
  if (typeof address !== "string" || address === "") throw argumentError(`host must be a DOCKER_HOST-style address such as "unix:///var/run/docker.sock", got ${JSON.stringify(address)}`);
  const unix = /^unix:\/\/(\/[^\0]*)$/.exec(address);
  if (unix) return { address, socketPath: unix[1] };
  const tcp = /^(?:tcp|http):\/\/(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+)(?::(\d{1,5}))?\/?$/.exec(address);
  if (tcp) {
    const port = tcp[2] === undefined ? 2375 : Number(tcp[2]);
    if (port < 1 || port > 65535) throw argumentError(`host ${JSON.stringify(address)} has port ${port}`);
    return { address, host: tcp[1].replace(/^\[|\]$/g, ""), port };
  }
  throw argumentError(`host ${JSON.stringify(address)} is not unix:///PATH, tcp://HOST:PORT or http://HOST:PORT (TLS, ssh:// and npipe:// are not supported)`);
}

/**
 * @typedef {object} RequestOptions
 * @property {Record<string, string | number | boolean | undefined>} [query]
 * @property {Record<string, string>} [headers]
 * @property {unknown} [json] a body sent as JSON
 * @property {Uint8Array | AsyncIterable<Uint8Array>} [body] a body sent as is (a stream: chunked)
 * @property {string} [contentType] the body's type (default application/x-tar)
 * @property {AbortSignal} [signal]
 * @property {boolean} [upgrade] ask for a hijacked connection (attach)
 */

/**
 * An answer: its status, headers and body stream (or, for an upgrade, the raw socket).
 * @typedef {{ status: number, headers: http.IncomingHttpHeaders, body: http.IncomingMessage, socket?: import("node:stream").Duplex, head?: Buffer }} Answer
 */

/**
 * The transport for one endpoint.
 * @param {Endpoint} endpoint
 */
export function transport(endpoint) {
  /**
   * Sends a request; resolves once the answer's headers arrive. A connection failure is
   * ENGINE_UNREACHABLE naming the address; an aborted `signal` is ABORTED.
   * @param {string} method
   * @param {string} path the path with its API version prefix
   * @param {RequestOptions} [options]
   * @returns {Promise<Answer>}
   */
  function request(method, path, options = {}) {
    const { query, json, body, signal } = options;
    const search = new URLSearchParams();
    for (const [key, value] of Object.entries(query ?? {})) if (value !== undefined) search.set(key, String(value));
    const target = search.size > 0 ? `${path}?${search}` : path;
    /** @type {Record<string, string>} */
    const headers = { ...options.headers };
    /** @type {Uint8Array | AsyncIterable<Uint8Array> | undefined} */
    let payload = body;
    if (json !== undefined) {
      payload = Buffer.from(JSON.stringify(json));
      headers["content-type"] = "application/json";
    } else if (body !== undefined) headers["content-type"] = options.contentType ?? "application/x-tar";
    if (payload instanceof Uint8Array) headers["content-length"] = String(payload.length);
    else if (payload === undefined && method !== "GET" && method !== "HEAD" && method !== "DELETE") headers["content-length"] = "0";
    if (options.upgrade) Object.assign(headers, { connection: "Upgrade", upgrade: "tcp" });
    const where = `${method} ${path}`;

    return new Promise((resolve, reject) => {
      if (signal?.aborted) return reject(engineError("ABORTED", `${where}: the signal was aborted`));
      let settled = false;
      const fail = (/** @type {Error} */ error) => {
        if (settled) return;
        settled = true;
        signal?.removeEventListener("abort", onAbort);
        reject(error);
      };
      const req = http.request({
        method,
        path: target,
        headers: { host: endpoint.socketPath ? "docker" : `${endpoint.host}:${endpoint.port}`, ...headers },
        ...(endpoint.socketPath ? { socketPath: endpoint.socketPath } : { host: endpoint.host, port: endpoint.port }),
        agent: false,
      });
      function onAbort() {
        fail(engineError("ABORTED", `${where}: the signal was aborted`));
        req.destroy();
      }
      signal?.addEventListener("abort", onAbort, { once: true });
      const done = (/** @type {Answer} */ answer) => {
        if (settled) {
          answer.body.destroy();
          answer.socket?.destroy();
          return;
        }
        settled = true;
        // The answer's stream ends with an ABORTED error if the signal fires while it is read.
        if (signal) {
          const stop = () => {
            const error = engineError("ABORTED", `${where}: the signal was aborted`);
            answer.body.destroy(error);
            answer.socket?.destroy(error);
          };
          signal.addEventListener("abort", stop, { once: true });
          const release = () => signal.removeEventListener("abort", stop);
          answer.body.once("close", release);
          answer.socket?.once("close", release);
        }
        signal?.removeEventListener("abort", onAbort);
        resolve(answer);
      };
      req.on("response", (res) => done({ status: res.statusCode ?? 0, headers: res.headers, body: res }));
      req.on("upgrade", (res, socket, head) => done({ status: res.statusCode ?? 0, headers: res.headers, body: res, socket, head }));
      req.on("error", (error) => {
        const code = /** @type {NodeJS.ErrnoException} */ (error).code;
        const connecting = ["ENOENT", "ECONNREFUSED", "EACCES", "ENOTFOUND", "EHOSTUNREACH", "ENETUNREACH", "ETIMEDOUT", "ECONNRESET", "EPIPE", "EAI_AGAIN", "ENOTSOCK"].includes(code ?? "");
        fail(
          connecting
            ? engineError("ENGINE_UNREACHABLE", `cannot reach the engine at ${endpoint.address} (${code}: ${scrub(error.message, [], 300)}) for ${where}`, { host: endpoint.address })
            : engineError("ENGINE_BAD_ANSWER", `${where}: ${scrub(error.message, [], 300)}`),
        );
      });
      if (payload instanceof Uint8Array) req.end(payload);
      else if (payload === undefined) req.end();
      else {
        const stream = payload;
        (async () => {
          for await (const chunk of stream) {
            if (req.destroyed || settled) return;
            if (!(chunk instanceof Uint8Array)) throw argumentError(`a body stream must yield Uint8Array chunks, got ${typeof chunk}`);
            if (!req.write(chunk)) await new Promise((ok) => req.once("drain", ok));
          }
          req.end();
        })().catch((error) => {
          fail(error);
          req.destroy();
        });
      }
    });
  }

  return { request };
}

/**
 * Reads an answer's body, at most `max` bytes (more is ENGINE_BAD_ANSWER).
 * @param {Answer} answer
 * @param {string} where
 * @param {number} [max]
 */
export async function readBody(answer, where, max = MAX_ANSWER_BYTES) {
  /** @type {Buffer[]} */
  const parts = [];
  let size = 0;
  for await (const chunk of answer.body) {
    size += chunk.length;
    if (size > max) {
      answer.body.destroy();
      throw engineError("ENGINE_BAD_ANSWER", `${where}: the answer is larger than ${max} bytes`);
    }
    parts.push(chunk);
  }
  return Buffer.concat(parts);
}

/**
 * The engine's error message from an error answer's body (`{"message": "…"}`), else its text.
 * @param {Buffer} bytes
 * @param {readonly string[]} [secrets]
 */
export function messageOf(bytes, secrets = []) {
  const text = bytes.toString("utf8");
  try {
    const value = JSON.parse(text);
    if (value && typeof value.message === "string") return scrub(value.message, secrets);
  } catch {
    // not JSON: the text itself
  }
  return scrub(text.trim(), secrets, 500);
}
