// Opt-in registry inspection for `POST /render` (`"inspect": true`): the Worker answers the
// package's `inspectImage` / `lookupDerived` through `registryHost` for the spec's base images,
// within a budget of its own per render (requests, bytes per answer and of layers, a timeout per registry operation
// and one for the whole render), for the registries its `INSPECT_REGISTRIES` variable allows only.
// Inspections are cached at module scope by manifest digest, so a base pinned by digest that was
// inspected before costs no request at all (a tag costs one manifest request).

import { Image, registryHost } from "@apothic/image";
import type { ImageHost, ImageInspection, RegistryCache } from "@apothic/image";
import { HttpError } from "./http.js";
import { LIMITS } from "./limits.js";

/** The Worker's bindings that matter here. */
export interface InspectEnv {
  /** Registries `inspect` may contact, separated by commas or spaces: a host as references name
   * it (`docker.io`, `ghcr.io`, `registry.example.com:5000`) is reached over https; `http://host`
   * over plain HTTP. Unset: `docker.io` only. */
  INSPECT_REGISTRIES?: string;
}

/** The registries allowed by `INSPECT_REGISTRIES`: each host, and those reached over plain HTTP. */
export interface RegistryPolicy {
  hosts: Set<string>;
  insecure: string[];
}

/** Reads `INSPECT_REGISTRIES` (default `docker.io`); a malformed entry is a configuration bug. */
export function registryPolicy(env: InspectEnv): RegistryPolicy {
  const hosts = new Set<string>();
  const insecure: string[] = [];
  for (const entry of (env.INSPECT_REGISTRIES ?? "docker.io").split(/[\s,]+/).filter((e) => e !== "")) {
    const plain = entry.startsWith("http://");
    const host = plain ? entry.slice("http://".length) : entry;
    if (!/^[a-z0-9.-]+(:[0-9]{1,5})?$/.test(host)) throw new Error(`INSPECT_REGISTRIES: ${JSON.stringify(entry)} is not a registry host`);
    hosts.add(host);
    if (plain) insecure.push(host);
  }
  return { hosts, insecure };
}

/**
 * The registry `registryHost` contacts for a reference: the host part of the package's own
 * normalised reference (Docker's rule: the first component is the registry when it has a `.` or
 * a `:`, is `localhost` or has an uppercase letter, so `Foo/app` is on host `foo`, not Docker
 * Hub), lowercased as registryHost names hosts. The package's tests check that registryHost's
 * parser names the same registry as this normalised form for every reference of the corpus.
 */
export function registryOf(ref: string): string {
  const image = Image.fromRegistry(ref);
  try {
    const { base } = image.toSpec();
    if (base.op !== "fromRegistry") throw new Error(`fromRegistry(${JSON.stringify(ref)}) gave a ${base.op} base`);
    return base.normalized.slice(0, base.normalized.indexOf("/")).toLowerCase();
  } finally {
    image.free();
  }
}

/** A bounded in-memory inspection cache: the oldest entry goes when it is full. */
class BoundedCache implements RegistryCache {
  readonly #entries = new Map<string, ImageInspection>();
  get(key: string): ImageInspection | undefined {
    return this.#entries.get(key);
  }
  set(key: string, value: ImageInspection): void {
    if (!this.#entries.has(key) && this.#entries.size >= LIMITS.inspectCacheEntries) {
      const oldest = this.#entries.keys().next().value;
      if (oldest !== undefined) this.#entries.delete(oldest);
    }
    this.#entries.set(key, value);
  }
}

/** Shared by every render of this isolate. */
const cache = new BoundedCache();

/** What a registry error carries (a plain Error with a `code`, see the package's RegistryError). */
interface CodedError extends Error {
  code?: unknown;
}

/**
 * The registry side of one render: the callbacks to spread into its host, and `failure()`, the
 * refusal to answer when resolution failed because of them (else `undefined`).
 */
export interface Inspector {
  callbacks: Pick<ImageHost, "inspectImage" | "lookupDerived">;
  failure(): HttpError | undefined;
}

/** The global fetch, refusing past the render's request budget (bytes are bounded by the
 * registryHost limits: `maxManifestBytes` per answer, `maxLayerBytes` per inspection). */
function budgetedFetch(onOver: () => Error): (url: string, init: RequestInit) => Promise<Response> {
  let requests = 0;
  return (url, init) => {
    if (++requests > LIMITS.inspectMaxRequests) return Promise.reject(onOver());
    return fetch(url, init);
  };
}

/** The inspector of one render, for the registries `policy` allows. */
export function inspector(policy: RegistryPolicy): Inspector {
  let failure: HttpError | undefined;
  const fail = (error: HttpError): HttpError => {
    failure ??= error;
    return error;
  };
  const over = () =>
    fail(new HttpError(422, "INSPECT_BUDGET_EXCEEDED", `inspecting the base images needs more than ${LIMITS.inspectMaxRequests} registry requests; pass the inspection in \`images\``));
  const host = registryHost({
    fetch: budgetedFetch(over) as never,
    insecure: policy.insecure,
    cache,
    timeoutMs: LIMITS.inspectTimeoutMs,
    signal: AbortSignal.timeout(LIMITS.inspectTotalMs),
    maxManifestBytes: LIMITS.inspectMaxManifestBytes,
    maxLayerBytes: LIMITS.inspectMaxLayerBytes,
  });
  return {
    callbacks: {
      async inspectImage(ref: string) {
        const registry = registryOf(ref);
        if (!policy.hosts.has(registry)) {
          throw fail(
            new HttpError(422, "REGISTRY_NOT_ALLOWED", `${ref} is on the registry ${registry}: this Worker inspects images of ${[...policy.hosts].join(", ")} only; pass the inspection in \`images\``),
          );
        }
        try {
          return await host.inspectImage(ref);
        } catch (e) {
          const coded = e as CodedError;
          if (typeof coded.code === "string" && (coded.code.startsWith("REGISTRY_") || coded.code === "ABORTED")) {
            const code = coded.code === "ABORTED" ? "REGISTRY_TIMEOUT" : coded.code;
            fail(new HttpError(422, code, coded.message));
          }
          throw e;
        }
      },
      // No derived repository is configured: registryHost answers null without a request.
      lookupDerived: (buildKey: string) => host.lookupDerived(buildKey),
    },
    failure: () => failure,
  };
}
