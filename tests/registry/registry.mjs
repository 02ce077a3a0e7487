// Real registries for the registry-host tests: Debian's `docker-registry` (the CNCF distribution
// registry 2.8, installed by tests/registry/setup.sh) started on 127.0.0.1 on a free port with a
// config this file writes and its storage under target/registry/<run>/, anonymous, behind
// htpasswd Basic auth, or behind token auth checked against a token issuer run here in Node (JWTs
// signed with a key made for the run; the registry trusts its self-signed certificate through
// `rootcertbundle`, and each token names that certificate in its `x5c` header, which is how
// distribution 2.x finds the signing key). Every registry is stopped when the process exits, on
// SIGINT/SIGTERM/SIGHUP, and by the kernel if the process is killed outright (setpriv
// --pdeathsig); a run's leftovers (a registry whose owner died) are stopped by the next run.
import { execFileSync, spawn } from "node:child_process";
import { createHash, createPrivateKey, randomBytes, sign } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/** The repository (APOTHIC_REPO when run from the scratch install, else two folders up). */
export const repoRoot = process.env.APOTHIC_REPO ?? resolve(fileURLToPath(new URL("../..", import.meta.url)));

const REGISTRY_BIN = "/usr/bin/docker-registry";
const HTPASSWD_BIN = "/usr/bin/htpasswd";
const OPENSSL_BIN = "/usr/bin/openssl";
const SETPRIV_BIN = "/usr/bin/setpriv";

/** Every run's folder: target/registry/<run>/. */
const runsDir = join(repoRoot, "target", "registry", "runs");

/** @type {Set<import("node:child_process").ChildProcess>} */
const children = new Set();
let hooked = false;
/** @type {string | undefined} */
let currentRun;

/** Kills every registry this process started (synchronously: it runs from the "exit" hook). */
function killChildren() {
  for (const child of children) {
    try {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    } catch {
      // already gone
    }
  }
  children.clear();
}

function hookExit() {
  if (hooked) return;
  hooked = true;
  process.on("exit", killChildren);
  for (const [signal, status] of /** @type {const} */ ([["SIGINT", 130], ["SIGTERM", 143], ["SIGHUP", 129]])) {
    process.once(signal, () => {
      killChildren();
      process.exit(status);
    });
  }
}

/** Whether `pid` is alive and its command line holds `needle` (so a reused pid is never killed). */
function aliveWith(pid, needle) {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").includes(needle);
  } catch {
    return false;
  }
}

/** Stops the registries of runs whose owner is gone, and removes those runs' folders. */
function cleanStaleRuns() {
  if (!existsSync(runsDir)) return;
  for (const run of readdirSync(runsDir)) {
    const dir = join(runsDir, run);
    const owner = Number(run.split("-")[1]);
    if (Number.isInteger(owner) && owner !== process.pid) {
      try {
        process.kill(owner, 0);
        continue; // its owner still runs: not ours to touch
      } catch {
        // owner gone
      }
    }
    if (owner === process.pid) continue;
    for (const name of existsSync(dir) ? readdirSync(dir) : []) {
      const pidFile = join(dir, name, "registry.pid");
      if (!existsSync(pidFile)) continue;
      const pid = Number(readFileSync(pidFile, "utf8"));
      if (Number.isInteger(pid) && aliveWith(pid, join(dir, name, "config.yml"))) {
        try {
          process.kill(pid, "SIGKILL");
        } catch {
          // gone meanwhile
        }
      }
    }
    rmSync(dir, { recursive: true, force: true });
  }
}

/** This process's run folder, made (and stale runs cleaned) on first use. */
export function runDir() {
  if (currentRun) return currentRun;
  cleanStaleRuns();
  currentRun = join(runsDir, `${Date.now()}-${process.pid}`);
  mkdirSync(currentRun, { recursive: true });
  return currentRun;
}

/** A free TCP port on 127.0.0.1 (bound and released). */
export async function freePort() {
  const server = createServer();
  await new Promise((ok) => server.listen(0, "127.0.0.1", ok));
  const { port } = /** @type {import("node:net").AddressInfo} */ (server.address());
  await new Promise((ok) => server.close(ok));
  return port;
}

/** Waits until GET `url` answers with one of `statuses` (or throws after `ms`). */
async function waitFor(url, statuses, ms, child, log) {
  const deadline = Date.now() + ms;
  let last = "";
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) break;
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(1000) });
      await response.arrayBuffer();
      if (statuses.includes(response.status)) return;
      last = `status ${response.status}`;
    } catch (error) {
      last = String(error);
    }
    await new Promise((ok) => setTimeout(ok, 50));
  }
  let tail = "";
  try {
    tail = readFileSync(log, "utf8").split("\n").slice(-20).join("\n");
  } catch {
    // no log
  }
  throw new Error(`the registry at ${url} did not answer (${last}); its log:\n${tail}`);
}

/**
 * A registry config (YAML; every value a JSON string, which YAML reads as the same string).
 * @param {{ port: number, storage: string, auth?: string[] }} options
 */
function config({ port, storage, auth = [], readonly = false }) {
  const q = JSON.stringify;
  return [
    "version: 0.1",
    "log:",
    "  level: info",
    "  accesslog:",
    "    disabled: false",
    "storage:",
    "  filesystem:",
    `    rootdirectory: ${q(storage)}`,
    "  delete:",
    "    enabled: true",
    "  maintenance:",
    "    uploadpurging:",
    "      enabled: false",
    // Read-only: pulls work, every push is refused (the runtime's failed-push test).
    ...(readonly ? ["    readonly:", "      enabled: true"] : []),
    "http:",
    `  addr: ${q(`127.0.0.1:${port}`)}`,
    `  secret: ${q(randomBytes(16).toString("hex"))}`,
    "  headers:",
    "    X-Content-Type-Options: [nosniff]",
    // For the browser test: the page's origin may read manifests, blobs and the challenge.
    '    Access-Control-Allow-Origin: ["*"]',
    '    Access-Control-Allow-Methods: ["HEAD", "GET", "OPTIONS"]',
    '    Access-Control-Allow-Headers: ["Authorization", "Accept"]',
    '    Access-Control-Expose-Headers: ["Docker-Content-Digest", "WWW-Authenticate", "Content-Length", "Content-Type"]',
    ...auth,
    "",
  ].join("\n");
}

/**
 * @typedef {object} Registry a registry this process runs
 * @property {string} host `127.0.0.1:<port>`, as references name it
 * @property {string} url `http://127.0.0.1:<port>`
 * @property {string} dir its folder (config.yml, registry.log, registry.pid)
 * @property {string} storage its storage root
 * @property {() => Promise<void>} stop stops it (safe to call twice)
 */

/**
 * Starts a registry and waits until `/v2/` answers.
 * @param {object} options
 * @param {string} options.name its folder's name under the run folder
 * @param {string} [options.storage] a storage root to share (default: its own, in its folder)
 * @param {{ user: string, password: string }} [options.basic] htpasswd Basic auth with this user
 * @param {TokenIssuer} [options.token] token auth checked against this issuer
 * @param {boolean} [options.readonly] serve pulls, refuse every push (maintenance read-only mode)
 * @returns {Promise<Registry>}
 */
export async function startRegistry({ name, storage, basic, token, readonly = false }) {
  hookExit();
  const dir = join(runDir(), name);
  mkdirSync(dir, { recursive: true });
  storage ??= join(dir, "storage");
  mkdirSync(storage, { recursive: true });
  /** @type {string[]} */
  let auth = [];
  if (basic) {
    const file = join(dir, "htpasswd");
    // -B: bcrypt (distribution accepts only bcrypt entries); -i: the password on stdin.
    execFileSync(HTPASSWD_BIN, ["-c", "-B", "-i", file, basic.user], { input: basic.password, stdio: ["pipe", "ignore", "pipe"] });
    auth = ["auth:", "  htpasswd:", '    realm: "apothic-test"', `    path: ${JSON.stringify(file)}`];
  } else if (token) {
    auth = [
      "auth:",
      "  token:",
      `    realm: ${JSON.stringify(token.realm)}`,
      `    service: ${JSON.stringify(token.service)}`,
      `    issuer: ${JSON.stringify(token.issuer)}`,
      `    rootcertbundle: ${JSON.stringify(token.certFile)}`,
    ];
  }
  const port = await freePort();
  const configFile = join(dir, "config.yml");
  writeFileSync(configFile, config({ port, storage, auth, readonly }));
  const log = join(dir, "registry.log");
  const { openSync, closeSync } = await import("node:fs");
  const fd = openSync(log, "a");
  // setpriv --pdeathsig: the kernel kills the registry if this process dies without its hooks.
  const child = spawn(SETPRIV_BIN, ["--pdeathsig", "KILL", "--", REGISTRY_BIN, "serve", configFile], {
    stdio: ["ignore", fd, fd],
  });
  closeSync(fd);
  children.add(child);
  child.on("exit", () => children.delete(child));
  writeFileSync(join(dir, "registry.pid"), String(child.pid));
  const url = `http://127.0.0.1:${port}`;
  try {
    await waitFor(`${url}/v2/`, basic || token ? [401] : [200], 15_000, child, log);
  } catch (error) {
    child.kill("SIGKILL");
    throw error;
  }
  return {
    host: `127.0.0.1:${port}`,
    url,
    dir,
    storage,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const gone = new Promise((ok) => child.once("exit", ok));
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 5000);
      await gone;
      clearTimeout(timer);
    },
  };
}

const b64url = (/** @type {Buffer | string} */ data) => Buffer.from(data).toString("base64url");

/**
 * @typedef {object} TokenIssuer a token service run in this process
 * @property {string} realm its URL (the registry's `auth.token.realm`)
 * @property {string} service the registry's service name (the tokens' audience)
 * @property {string} issuer the tokens' `iss`
 * @property {string} certFile the PEM certificate the registry trusts (`rootcertbundle`)
 * @property {{ url: string, authorization: string | undefined }[]} requests every request it got
 * @property {() => Promise<void>} stop
 */

/**
 * Starts a token issuer: GET ?service=…&scope=repository:NAME:ACTIONS answers `{ token,
 * access_token, expires_in, issued_at }` with a JWT (RS256, `x5c` naming the certificate)
 * granting the scope, when the request's Basic credentials are one of `users` (401 otherwise). A
 * user of `readers` is granted `pull` only, whatever it asks for. A request without credentials
 * is granted `pull` on the repositories of `anonymous` (public ones, as Docker Hub grants them)
 * and nothing else; one that asks only for others is refused (401). Every answer allows any
 * origin (CORS, `Authorization` included), so a browser page can ask too.
 * @param {{ users: Record<string, string>, readers?: string[], anonymous?: string[] }} options
 * @returns {Promise<TokenIssuer>}
 */
export async function startTokenIssuer({ users, readers = [], anonymous = [] }) {
  const dir = join(runDir(), "token-issuer");
  mkdirSync(dir, { recursive: true });
  const keyFile = join(dir, "key.pem");
  const certFile = join(dir, "cert.pem");
  execFileSync(
    OPENSSL_BIN,
    ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", keyFile, "-out", certFile, "-days", "2", "-subj", "/CN=apothic-test-token-issuer"],
    { stdio: ["ignore", "ignore", "pipe"] },
  );
  const key = createPrivateKey(readFileSync(keyFile));
  const der = Buffer.from(
    readFileSync(certFile, "utf8")
      .replace(/-----(BEGIN|END) CERTIFICATE-----/g, "")
      .replace(/\s+/g, ""),
    "base64",
  );
  const service = "apothic-test-registry";
  const issuer = "apothic-test-issuer";
  /** @type {TokenIssuer["requests"]} */
  const requests = [];
  const server = createServer((req, res) => {
    // CORS, for the browser test: any origin may ask for a token with its credentials. A
    // preflight is answered and not recorded (it carries no credentials and asks for nothing).
    res.setHeader("access-control-allow-origin", "*");
    if (req.method === "OPTIONS") {
      res.writeHead(204, { "access-control-allow-methods": "GET", "access-control-allow-headers": "Authorization, Accept", "access-control-max-age": "600" });
      return res.end();
    }
    const url = new URL(req.url ?? "/", "http://x");
    requests.push({ url: req.url ?? "", authorization: req.headers.authorization });
    const refuse = (status, message) => {
      res.writeHead(status, { "content-type": "application/json" });
      res.end(JSON.stringify({ errors: [{ code: "UNAUTHORIZED", message }] }));
    };
    const basic = /^Basic (.+)$/.exec(req.headers.authorization ?? "");
    const [user, password] = basic ? Buffer.from(basic[1], "base64").toString().split(/:(.*)/s) : [];
    if (req.headers.authorization !== undefined && (!user || users[user] !== password)) return refuse(401, "credentials refused");
    if (url.searchParams.get("service") !== service) return refuse(400, "unknown service");
    const access = url.searchParams.getAll("scope").flatMap((scope) => {
      const m = /^repository:([^:]+):(.+)$/.exec(scope);
      if (!m) return [];
      const allowed = user === undefined ? (anonymous.includes(m[1]) ? ["pull"] : []) : readers.includes(user) ? ["pull"] : ["pull", "push"];
      return [{ type: "repository", name: m[1], actions: m[2].split(",").filter((a) => allowed.includes(a)) }];
    });
    if (user === undefined && !access.some((a) => a.actions.length > 0)) return refuse(401, "anonymous access refused");
    const now = Math.floor(Date.now() / 1000);
    const header = { typ: "JWT", alg: "RS256", x5c: [der.toString("base64")] };
    const claims = { iss: issuer, sub: user ?? "", aud: service, exp: now + 300, nbf: now - 10, iat: now, jti: randomBytes(8).toString("hex"), access };
    const signing = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(claims))}`;
    const token = `${signing}.${b64url(sign("sha256", Buffer.from(signing), key))}`;
    res.writeHead(200, { "content-type": "application/json" });
    res.end(JSON.stringify({ token, access_token: token, expires_in: 300, issued_at: new Date(now * 1000).toISOString() }));
  });
  await new Promise((ok) => server.listen(0, "127.0.0.1", ok));
  const { port } = /** @type {import("node:net").AddressInfo} */ (server.address());
  return {
    realm: `http://127.0.0.1:${port}/token`,
    service,
    issuer,
    certFile,
    requests,
    stop: () => new Promise((ok) => server.close(() => ok(undefined))),
  };
}

/** `sha256:<hex>` of bytes. */
export const sha256 = (/** @type {Uint8Array} */ bytes) => `sha256:${createHash("sha256").update(bytes).digest("hex")}`;
