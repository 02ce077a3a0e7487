// A real HTTP proxy the fault tests put in front of a real registry: every request is forwarded
// to the registry (streamed both ways) unless the test's `inject` rule answers it itself with a
// fault: a status, a delay, a cut or altered body, an endless body, a redirect. What the proxy
// saw (method, path, Authorization) is kept for the assertions.
import { request as httpRequest, createServer } from "node:http";

/**
 * @typedef {object} Seen a request the proxy got
 * @property {string} method
 * @property {string} path
 * @property {string | undefined} authorization
 */

/**
 * @typedef {(req: import("node:http").IncomingMessage, res: import("node:http").ServerResponse,
 *   forward: (transform?: (body: Buffer, headers: import("node:http").IncomingHttpHeaders) => { body: Buffer, headers?: Record<string, string | undefined> }) => Promise<void>) => void | Promise<void>} Fault
 */

/**
 * Starts a proxy for `target` (a base URL) on `address` (127.0.0.1 by default) and a free port.
 * @param {string} target
 * @param {string} [address]
 */
export async function startProxy(target, address = "127.0.0.1") {
  const upstream = new URL(target);
  /** @type {Seen[]} */
  const seen = [];
  const state = {
    /** @type {((req: import("node:http").IncomingMessage) => Fault | undefined) | undefined} */
    inject: undefined,
    seen,
  };
  /** @type {Set<import("node:net").Socket>} */
  const sockets = new Set();
  const server = createServer((req, res) => {
    seen.push({ method: req.method ?? "", path: req.url ?? "", authorization: req.headers.authorization });
    /** Forwards the request; `transform` (optional) rewrites the whole answer body first. */
    const forward = (transform) =>
      new Promise((done) => {
        const headers = { ...req.headers, host: upstream.host };
        const out = httpRequest({ host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers }, (answer) => {
          if (!transform) {
            res.writeHead(answer.statusCode ?? 502, answer.headers);
            answer.pipe(res);
            answer.on("end", done);
            return;
          }
          /** @type {Buffer[]} */
          const chunks = [];
          answer.on("data", (c) => chunks.push(c));
          answer.on("end", () => {
            const changed = transform(Buffer.concat(chunks), answer.headers);
            const merged = { ...answer.headers, ...changed.headers };
            for (const [k, v] of Object.entries(merged)) if (v === undefined) delete merged[k];
            if (answer.headers["content-length"] !== undefined && !(changed.headers && "content-length" in changed.headers)) {
              merged["content-length"] = String(changed.body.length);
            }
            res.writeHead(answer.statusCode ?? 502, merged);
            res.end(req.method === "HEAD" ? undefined : changed.body);
            done(undefined);
          });
        });
        out.on("error", () => {
          res.destroy();
          done(undefined);
        });
        req.pipe(out);
      });
    const fault = state.inject?.(req);
    if (fault) void fault(req, res, forward);
    else void forward();
  });
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  await new Promise((ok) => server.listen(0, address, () => ok(undefined)));
  const { port } = /** @type {import("node:net").AddressInfo} */ (server.address());
  return Object.assign(state, {
    host: `${address}:${port}`,
    url: `http://${address}:${port}`,
    async stop() {
      for (const socket of sockets) socket.destroy();
      await new Promise((ok) => server.close(() => ok(undefined)));
    },
  });
}
