// What one request may ask of the Worker. Every input comes from the network, so each limit is
// checked before the work it bounds: the body before it is parsed, the nesting and counts before
// the spec reaches the package, the URL before it is decoded. A request over a limit gets 413
// (414 for a preview URL) and a JSON `{ code, message }` that names the limit; the package's own
// limits (ignore patterns, `maxResolveBytes`) are 422 with the package's code.
//
// The numbers keep a request well inside the Workers Free plan's 10 ms of CPU and 128 MB of
// memory (a 1 MiB body of files hashes in about 1 ms; a 100-step spec renders in well under
// 1 ms), and far inside what real images use (the golden kitchen-sink spec has 19 steps).

export const LIMITS = {
  /** Bytes of a `POST /render` body (the JSON text, files included). */
  maxBodyBytes: 1024 * 1024,
  /** Characters of the base64url spec in `GET /preview/<spec>` (Cloudflare's URL limit is 16 KB). */
  maxPreviewChars: 12 * 1024,
  /** Bytes of a preview spec once inflated (`/preview/z.<deflate-raw>`): a bound on decompression bombs. */
  maxPreviewSpecBytes: 256 * 1024,
  /** Steps of a spec. */
  maxSteps: 100,
  /** Entries of `files` (and of each of `modes`, `symlinks`, `modules`, `images`, `derived`). */
  maxFiles: 500,
  /** Levels of nesting of the JSON body (a spec needs 5; a files object 2). */
  maxDepth: 32,
  /** Bytes the package may hold while resolving one request (files read whole, listings): its
   * `resolve(host, { maxBytes })`. Past it the package stops with `RESOLVE_TOO_LARGE` before
   * copying the bytes, so one request cannot grow the isolate past Cloudflare's 128 MB. */
  maxResolveBytes: 8 * 1024 * 1024,
  /** Steps that read files times entries of `files`: a bound, checked before the work, on the
   * context lists an answer repeats for each such step (the golden kitchen-sink spec needs 95). */
  maxListedEntries: 10_000,
  /** Characters of a `POST /render` answer (the JSON text), checked before it is sent. */
  maxAnswerChars: 4 * 1024 * 1024,
  /** Registry requests one `inspect` render may make (a token, a manifest, an index, a config
   * and a few layers for each base; a cached pinned base makes none). */
  inspectMaxRequests: 16,
  /** Bytes of one manifest, index, config or token answer (so at most 16 × 512 KiB of them). */
  inspectMaxManifestBytes: 512 * 1024,
  /** Compressed layer bytes read (headers only, as they stream) to find Python and libc. */
  inspectMaxLayerBytes: 6 * 1024 * 1024,
  /** Milliseconds per registry operation (a manifest or a blob with its token and redirects). */
  inspectTimeoutMs: 5_000,
  /** Milliseconds for all the registry work of one render. */
  inspectTotalMs: 15_000,
  /** Inspections kept in the isolate's cache (by manifest digest and platform). */
  inspectCacheEntries: 256,
} as const;
