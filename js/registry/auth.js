// Requests to a registry's API: redirects followed by hand under the https/insecure rules, and
// authentication challenges answered (a Bearer token from the realm, or Basic credentials), the
// Authorization that worked remembered per repository and never sent to another host.
import { quoteEscaped as quote } from "../host-helpers.js";
import { registryError, statusError } from "./errors.js";
import { readBody } from "./operation.js";
import { baseOf, credentialsOf } from "./options.js";

/** @typedef {import("./errors.js").Where} Where */
/** @typedef {import("./options.js").Fetch} Fetch */
/** @typedef {import("./options.js").RegistryConfig} RegistryConfig */
/** @typedef {import("./operation.js").Stats} Stats */

/**
 * A successful response for a path of the registry's API (`manifests/…`, `blobs/…`).
 * @typedef {(fetchOnce: Fetch, path: string, method: "GET" | "HEAD", accept: string, what: string, where: Where) => Promise<Response>} Get
 */

/** Redirects followed for one request (blob storage). */
const MAX_REDIRECTS = 5;

const textDecoder = new TextDecoder();

/**
 * The parameters of a `WWW-Authenticate` challenge: its scheme (lowercase) and `key=value` pairs.
 * @param {string} header
 * @returns {{ scheme: string, params: Map<string, string> }}
 */
export function parseChallenge(header) {
  const match = /^\s*([A-Za-z][A-Za-z0-9_-]*)\s*(.*)$/s.exec(header);
  const params = new Map();
  if (!match) return { scheme: "", params };
  const pair = /\s*([A-Za-z0-9_-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,]*))\s*(?:,|$)/gy;
  let found;
  while ((found = pair.exec(match[2])) !== null && found[0] !== "") {
    params.set(found[1].toLowerCase(), found[2] !== undefined ? found[2].replace(/\\(.)/g, "$1") : found[3]);
  }
  return { scheme: match[1].toLowerCase(), params };
}

/**
 * Throws REGISTRY_BAD_ANSWER unless a redirect from `from` to `next` may be followed: to https,
 * or to plain http from plain http and to a host named in `insecure`.
 * @param {Set<string>} insecure
 * @param {URL} from
 * @param {URL} next
 * @param {Where} where
 */
function checkRedirect(insecure, from, next, where) {
  if (next.protocol !== "https:" && next.protocol !== "http:") {
    throw registryError("REGISTRY_BAD_ANSWER", `a redirect to ${quote(next.protocol)}, which is not http(s)`, where);
  }
  if (next.protocol === "http:" && from.protocol === "https:") {
    throw registryError("REGISTRY_BAD_ANSWER", `a redirect from https to ${quote(next.origin)}, plain http (never followed)`, where);
  }
  if (next.protocol === "http:" && !insecure.has(next.host)) {
    throw registryError("REGISTRY_BAD_ANSWER", `a redirect to ${quote(next.origin)}, plain http to a host not named in insecure`, where);
  }
}

/**
 * One request, following up to 5 redirects by hand (blob storage): the Authorization header
 * goes only to the registry's own origin, never to another host; a redirect goes to https, or
 * to plain http only from plain http and to a host named in `insecure` (never https → http).
 * Answers the response and the URL that gave it. Browsers make manual redirects opaque; there
 * the request is sent again with `redirect: "follow"`, the browser drops Authorization on a
 * cross-origin redirect itself, and the URL it ended at is held to the same rules.
 * @param {RegistryConfig} o
 * @param {Fetch} fetchOnce
 * @param {string} url
 * @param {"GET" | "HEAD"} method
 * @param {string} accept
 * @param {string | undefined} authorization
 * @param {Where} where
 * @returns {Promise<{ response: Response, url: string }>}
 */
async function follow(o, fetchOnce, url, method, accept, authorization, where) {
  const origin = new URL(baseOf(o, where.registry)).origin;
  for (let hop = 0; ; hop++) {
    const target = new URL(url);
    /** @type {Record<string, string>} */
    const headers = { accept };
    if (authorization !== undefined && target.origin === origin) headers.authorization = authorization;
    const response = await fetchOnce(url, { method, headers, redirect: "manual" });
    if (response.type === "opaqueredirect") {
      const followed = await fetchOnce(url, { method, headers, redirect: "follow" });
      // The browser followed the hops unseen: the URL it ended at is held to the same rules
      // before its answer is used.
      if (followed.redirected && followed.url) {
        try {
          checkRedirect(o.insecure, target, new URL(followed.url), where);
        } catch (error) {
          await followed.body?.cancel().catch(() => {});
          throw error;
        }
      }
      return { response: followed, url: followed.url || url };
    }
    if (![301, 302, 303, 307, 308].includes(response.status)) return { response, url };
    await response.body?.cancel().catch(() => {});
    const location = response.headers.get("location");
    if (location === null) throw registryError("REGISTRY_BAD_ANSWER", `HTTP ${response.status} without a Location`, where);
    if (hop >= MAX_REDIRECTS) throw registryError("REGISTRY_BAD_ANSWER", `more than ${MAX_REDIRECTS} redirects`, where);
    let next;
    try {
      next = new URL(location, url);
    } catch {
      throw registryError("REGISTRY_BAD_ANSWER", `a redirect to ${quote(location)}, which is not a URL`, where);
    }
    checkRedirect(o.insecure, target, next, where);
    url = next.href;
    if (response.status === 303) method = "GET";
  }
}

/**
 * Answers an authentication challenge of the registry's own origin: a Bearer token from the
 * realm (https, or plain http when its host is named in `insecure`; with the registry's
 * credentials when there are some), or Basic credentials. Remembered per repository in
 * `authorizations`.
 * @param {RegistryConfig} o
 * @param {Stats} stats
 * @param {Map<string, string>} authorizations `registry/repository` → the Authorization header that worked
 * @param {Fetch} fetchOnce
 * @param {Response} response the 401
 * @param {Where} where
 */
async function authenticate(o, stats, authorizations, fetchOnce, response, where) {
  await response.body?.cancel().catch(() => {});
  const { scheme, params } = parseChallenge(response.headers.get("www-authenticate") ?? "");
  const basic = credentialsOf(o, where.registry);
  const key = `${where.registry}/${where.repository}`;
  if (scheme === "basic") {
    if (basic === undefined) throw registryError("REGISTRY_AUTH_REFUSED", "the registry asks for credentials (Basic) and none were given for it", where);
    authorizations.set(key, `Basic ${basic}`);
    return;
  }
  if (scheme !== "bearer" || !params.get("realm")) {
    const said = scheme === "" ? "no WWW-Authenticate challenge" : scheme === "bearer" ? "a Bearer challenge without a realm" : `the scheme ${quote(scheme)}`;
    throw registryError("REGISTRY_AUTH_REFUSED", `the registry asks for authentication it does not describe (${said}; only Bearer with a realm and Basic are answered)`, where);
  }
  let realm;
  try {
    realm = new URL(/** @type {string} */ (params.get("realm")));
  } catch {
    throw registryError("REGISTRY_BAD_ANSWER", "the Bearer realm is not a URL", where);
  }
  // Plain http only to a host the caller named: the registry's credentials go to the realm.
  if (realm.protocol !== "https:" && !(realm.protocol === "http:" && o.insecure.has(realm.host))) {
    throw registryError("REGISTRY_BAD_ANSWER", `the Bearer realm ${quote(realm.origin)} is neither https nor a plain http host named in insecure`, where);
  }
  const service = params.get("service");
  if (service) realm.searchParams.set("service", service);
  realm.searchParams.set("scope", params.get("scope") || `repository:${where.repository}:pull`);
  /** @type {Record<string, string>} */
  const headers = { accept: "application/json" };
  if (basic !== undefined) headers.authorization = `Basic ${basic}`;
  // Never followed: the credentials would go wherever a redirect points. `redirect: "error"`
  // would say so, but workerd refuses it; "manual" works everywhere (browsers answer an opaque
  // redirect, status 0).
  const answer = await fetchOnce(realm.href, { method: "GET", headers, redirect: "manual" });
  if (answer.type === "opaqueredirect" || (answer.status >= 300 && answer.status < 400)) {
    await answer.body?.cancel().catch(() => {});
    throw registryError("REGISTRY_BAD_ANSWER", "the token endpoint answered with a redirect, which a token request never follows", where);
  }
  if (!answer.ok) throw await statusError(answer, "token", where);
  const bytes = await readBody(answer, 1 << 20, "token answer", where, stats);
  let token;
  try {
    const json = JSON.parse(textDecoder.decode(bytes));
    token = json?.token || json?.access_token;
  } catch {
    token = undefined;
  }
  if (typeof token !== "string" || !/^[\x21-\x7e]{1,65536}$/.test(token)) {
    throw registryError("REGISTRY_BAD_ANSWER", "the token answer holds no usable token (JSON { token } or { access_token })", where);
  }
  authorizations.set(key, `Bearer ${token}`);
}

/**
 * The requester of a host: each call answers a successful response for `path` of the registry's
 * API, authenticating when asked to; the Authorization that worked is kept for the host's life.
 * @param {RegistryConfig} o
 * @param {Stats} stats
 * @returns {Get}
 */
export function requester(o, stats) {
  /** @type {Map<string, string>} `registry/repository` → the Authorization header that worked */
  const authorizations = new Map();
  return async (fetchOnce, path, method, accept, what, where) => {
    const base = baseOf(o, where.registry);
    const url = `${base}/v2/${where.repository}/${path}`;
    const key = `${where.registry}/${where.repository}`;
    for (let attempt = 0; ; attempt++) {
      const { response, url: answeredBy } = await follow(o, fetchOnce, url, method, accept, authorizations.get(key), where);
      // A challenge from another host (a blob store the registry redirected to) is never
      // answered: the registry's credentials would go wherever that host's realm points.
      const from = new URL(answeredBy).origin;
      if (response.status === 401 && from !== new URL(base).origin) {
        await response.body?.cancel().catch(() => {});
        throw registryError("REGISTRY_AUTH_REFUSED", `${quote(from)}, where the registry redirected the ${what}, asks for authentication; the registry's credentials are never sent to another host`, where);
      }
      if (response.status === 401 && attempt === 0) {
        await authenticate(o, stats, authorizations, fetchOnce, response, where);
        continue;
      }
      if (response.ok) return response;
      throw await statusError(response, what, where);
    }
  };
}
