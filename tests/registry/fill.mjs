// Fills a real registry with the test images, through the registry API (blob upload POST + PUT,
// manifest PUT), every byte made here: layers are tar archives (the small ustar writer below),
// gzip-compressed or not; configs and manifests are JSON. `fill(url)` pushes them all and
// answers, per image, the reference to inspect and the inspection the registry host must give.
import { gzipSync } from "node:zlib";
import { sha256 } from "./registry.mjs";

const encoder = new TextEncoder();

export const MEDIA = {
  ociIndex: "application/vnd.oci.image.index.v1+json",
  ociManifest: "application/vnd.oci.image.manifest.v1+json",
  ociConfig: "application/vnd.oci.image.config.v1+json",
  ociLayer: "application/vnd.oci.image.layer.v1.tar",
  ociLayerGzip: "application/vnd.oci.image.layer.v1.tar+gzip",
  ociLayerZstd: "application/vnd.oci.image.layer.v1.tar+zstd",
  // A layer type no reader knows (lz4 is not an OCI compression): the host must not guess.
  unknownLayer: "application/vnd.example.image.layer.v1.tar+lz4",
  dockerList: "application/vnd.docker.distribution.manifest.list.v2+json",
  dockerManifest: "application/vnd.docker.distribution.manifest.v2+json",
  dockerConfig: "application/vnd.docker.container.image.v1+json",
  dockerLayerGzip: "application/vnd.docker.image.rootfs.diff.tar.gzip",
};

/**
 * @typedef {{ name: string, type?: "file" | "dir" | "symlink", body?: string | Uint8Array, link?: string, mode?: number }} TarEntry
 */

/**
 * A ustar archive of `entries` (names up to 100 bytes; mtime, uid and gid 0), ended by two zero
 * blocks.
 * @param {TarEntry[]} entries
 * @returns {Uint8Array}
 */
export function tar(entries) {
  /** @type {Uint8Array[]} */
  const parts = [];
  for (const { name, type = "file", body = "", link = "", mode } of entries) {
    const data = typeof body === "string" ? encoder.encode(body) : body;
    const size = type === "file" ? data.length : 0;
    const header = new Uint8Array(512);
    const put = (offset, length, text) => {
      const bytes = encoder.encode(text);
      if (bytes.length > length) throw new Error(`tar: ${JSON.stringify(text)} does not fit in ${length} bytes`);
      header.set(bytes, offset);
    };
    const octal = (offset, length, value) => put(offset, length, `${value.toString(8).padStart(length - 1, "0")}\0`);
    put(0, 100, name);
    octal(100, 8, mode ?? (type === "dir" ? 0o755 : type === "symlink" ? 0o777 : 0o755));
    octal(108, 8, 0);
    octal(116, 8, 0);
    octal(124, 12, size);
    octal(136, 12, 0);
    put(156, 1, type === "dir" ? "5" : type === "symlink" ? "2" : "0");
    put(157, 100, link);
    put(257, 6, "ustar\0");
    put(263, 2, "00");
    put(265, 32, "root");
    put(297, 32, "root");
    // The checksum: the header's bytes summed with its own field as spaces.
    header.fill(0x20, 148, 156);
    let sum = 0;
    for (const byte of header) sum += byte;
    put(148, 8, `${sum.toString(8).padStart(6, "0")}\0 `);
    parts.push(header);
    if (size > 0) {
      const padded = new Uint8Array(Math.ceil(size / 512) * 512);
      padded.set(data);
      parts.push(padded);
    }
  }
  parts.push(new Uint8Array(1024));
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

/** The folders and files of a small Debian-like root with glibc (x86_64 or aarch64). */
const glibcRoot = (arch = "x86_64") => [
  { name: "bin/", type: "dir" },
  { name: "bin/sh", body: "#!ELF sh\n" },
  { name: "etc/", type: "dir" },
  { name: "etc/os-release", body: 'ID=debian\nVERSION_ID="12"\n' },
  { name: "lib/", type: "dir" },
  { name: `lib/${arch}-linux-gnu/`, type: "dir" },
  { name: `lib/${arch}-linux-gnu/libc.so.6`, body: "ELF libc\n" },
  ...(arch === "x86_64"
    ? [
        { name: "lib64/", type: "dir" },
        { name: "lib64/ld-linux-x86-64.so.2", type: "symlink", link: "/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2" },
        { name: "lib/x86_64-linux-gnu/ld-linux-x86-64.so.2", body: "ELF ld.so\n" },
      ]
    : [{ name: "lib/ld-linux-aarch64.so.1", body: "ELF ld.so\n" }]),
  { name: "usr/", type: "dir" },
  { name: "usr/bin/", type: "dir" },
  { name: "usr/bin/env", body: "ELF env\n" },
];

/** An Alpine-like root: musl's loader. */
const muslRoot = (arch = "x86_64") => [
  { name: "bin/", type: "dir" },
  { name: "bin/busybox", body: "ELF busybox\n" },
  { name: "bin/sh", type: "symlink", link: "/bin/busybox" },
  { name: "etc/", type: "dir" },
  { name: "etc/os-release", body: "ID=alpine\n" },
  { name: "lib/", type: "dir" },
  { name: `lib/ld-musl-${arch}.so.1`, body: "ELF musl\n" },
  { name: "usr/", type: "dir" },
  { name: "usr/bin/", type: "dir" },
];

/**
 * A layer: its bytes (gzip, plain tar, bytes labelled zstd, or a plain tar labelled with a media
 * type no reader knows) and descriptor.
 * @param {TarEntry[]} entries
 * @param {"gzip" | "tar" | "zstd" | "docker-gzip" | "unknown"} kind
 */
function layer(entries, kind) {
  const plain = tar(entries);
  if (kind === "unknown") return { bytes: plain, mediaType: MEDIA.unknownLayer, diffId: sha256(plain) };
  if (kind === "zstd") {
    // Labelled zstd; the bytes are not (a host must not guess from them either way).
    const bytes = new Uint8Array([0x28, 0xb5, 0x2f, 0xfd, ...plain.subarray(0, 508)]);
    return { bytes, mediaType: MEDIA.ociLayerZstd, diffId: sha256(plain) };
  }
  const bytes = kind === "tar" ? plain : new Uint8Array(gzipSync(plain));
  const mediaType = kind === "tar" ? MEDIA.ociLayer : kind === "docker-gzip" ? MEDIA.dockerLayerGzip : MEDIA.ociLayerGzip;
  return { bytes, mediaType, diffId: sha256(plain) };
}

/**
 * The registry API client the filler uses (pushes only).
 * @param {string} url the registry's base URL
 * @param {Record<string, string>} [headers] sent with every request (e.g. Authorization)
 */
export function pusher(url, headers = {}) {
  const check = async (response, what, ...ok) => {
    if (!ok.includes(response.status)) {
      throw new Error(`${what}: ${response.status} ${await response.text()}`);
    }
    await response.arrayBuffer();
    return response;
  };
  return {
    /** Uploads a blob (monolithic: POST then PUT ?digest=); answers its descriptor digest. */
    async blob(repository, bytes) {
      const digest = sha256(bytes);
      const start = await check(await fetch(`${url}/v2/${repository}/blobs/uploads/`, { method: "POST", headers }), `POST upload ${repository}`, 202);
      const location = new URL(/** @type {string} */ (start.headers.get("location")), url);
      location.searchParams.set("digest", digest);
      await check(
        await fetch(location, { method: "PUT", headers: { ...headers, "content-type": "application/octet-stream" }, body: bytes }),
        `PUT blob ${repository}`,
        201,
      );
      return digest;
    },
    /** Puts a manifest under `reference` (a tag or its digest); answers the registry's digest. */
    async manifest(repository, reference, bytes, mediaType) {
      const response = await check(
        await fetch(`${url}/v2/${repository}/manifests/${reference}`, { method: "PUT", headers: { ...headers, "content-type": mediaType }, body: bytes }),
        `PUT manifest ${repository}:${reference}`,
        201,
      );
      const digest = response.headers.get("docker-content-digest");
      if (digest !== sha256(bytes)) throw new Error(`the registry answered digest ${digest} for ${repository}:${reference}, expected ${sha256(bytes)}`);
      return digest;
    },
  };
}

/**
 * Pushes one image (config + layers + manifest) and tags it; answers its manifest's digest,
 * bytes, media type and size.
 * @param {ReturnType<typeof pusher>} push
 * @param {string} repository
 * @param {string | null} tag null: pushed by digest only
 * @param {object} image
 * @param {"oci" | "docker"} image.format
 * @param {{ architecture: string, os: string, variant?: string }} image.platform
 * @param {string[]} image.env
 * @param {Record<string, unknown>} [image.runtime] the config's other keys (Cmd, WorkingDir, …)
 * @param {unknown} [image.config] the whole `config` value instead (Env and runtime ignored)
 * @param {ReturnType<typeof layer>[]} image.layers
 */
async function pushImage(push, repository, tag, { format, platform, env, runtime = DEFAULT_RUNTIME, config = { Env: env, ...runtime }, layers }) {
  const configBytes = encoder.encode(
    JSON.stringify({
      ...platform,
      config,
      rootfs: { type: "layers", diff_ids: layers.map((l) => l.diffId) },
      history: layers.map(() => ({ created_by: "apothic registry test" })),
    }),
  );
  const configDigest = await push.blob(repository, configBytes);
  const layerDescriptors = [];
  for (const l of layers) {
    layerDescriptors.push({ mediaType: l.mediaType, digest: await push.blob(repository, l.bytes), size: l.bytes.length });
  }
  const mediaType = format === "oci" ? MEDIA.ociManifest : MEDIA.dockerManifest;
  const manifest = encoder.encode(
    JSON.stringify({
      schemaVersion: 2,
      mediaType,
      config: { mediaType: format === "oci" ? MEDIA.ociConfig : MEDIA.dockerConfig, digest: configDigest, size: configBytes.length },
      layers: layerDescriptors,
    }),
  );
  const digest = await push.manifest(repository, tag ?? sha256(manifest), manifest, mediaType);
  return { digest, mediaType, size: manifest.length, platform };
}

/** The config's Cmd and WorkingDir unless an image says otherwise, and how they are answered. */
const DEFAULT_RUNTIME = { Cmd: ["/bin/sh"], WorkingDir: "/" };
const DEFAULT_ANSWER = { cmd: ["/bin/sh"], workdir: "/" };

/** What the registry host must answer for an image (the digest is added when pushed). */
const AMD64 = { os: "linux", arch: "x86_64" };
const ARM64 = { os: "linux", arch: "aarch64" };

const PYTHON_ENV = ["PATH=/usr/local/bin:/usr/local/sbin:/usr/sbin:/usr/bin:/sbin:/bin", "LANG=C.UTF-8", "PYTHON_VERSION=3.12.7"];
const PLAIN_ENV = ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"];

/**
 * The single-platform images: repository → how it is made and what inspecting it answers.
 * `layerKinds` names how each layer travels (gzip, tar, zstd, docker-gzip).
 */
const IMAGES = {
  // An official-python-like image: Debian root, CPython under /usr/local, PYTHON_VERSION set.
  "python-env": {
    format: "oci",
    env: PYTHON_ENV,
    layers: [
      [glibcRoot(), "gzip"],
      [
        [
          { name: "usr/local/", type: "dir" },
          { name: "usr/local/bin/", type: "dir" },
          { name: "usr/local/bin/python3.12", body: "ELF python\n" },
          { name: "usr/local/bin/python3", type: "symlink", link: "python3.12" },
        ],
        "gzip",
      ],
    ],
    expected: { ...AMD64, libc: "glibc", pythonPath: "/usr/local/bin/python3", pythonVersion: "3.12.7" },
  },
  // Python only in a layer (no env), uncompressed tar layers.
  "python-layer": {
    format: "oci",
    env: PLAIN_ENV,
    layers: [
      [glibcRoot(), "tar"],
      [[{ name: "usr/bin/python3.11", body: "ELF python\n" }], "tar"],
    ],
    expected: { ...AMD64, libc: "glibc", pythonPath: "/usr/bin/python3.11", pythonVersion: "3.11" },
  },
  // No Python at all (Docker schema 2, gzip layers).
  "no-python": {
    format: "docker",
    env: PLAIN_ENV,
    layers: [[glibcRoot(), "docker-gzip"]],
    expected: { ...AMD64, libc: "glibc" },
  },
  // musl with Python.
  musl: {
    format: "oci",
    env: PLAIN_ENV,
    layers: [[[...muslRoot(), { name: "usr/bin/python3.11", body: "ELF python\n" }], "gzip"]],
    expected: { ...AMD64, libc: "musl", pythonPath: "/usr/bin/python3.11", pythonVersion: "3.11" },
  },
  // Python deleted by a later layer's whiteout: gone from the image.
  whiteout: {
    format: "oci",
    env: PLAIN_ENV,
    layers: [
      [[...glibcRoot(), { name: "usr/bin/python3.11", body: "ELF python\n" }], "gzip"],
      [[{ name: "usr/bin/.wh.python3.11", body: "" }], "gzip"],
    ],
    expected: { ...AMD64, libc: "glibc" },
  },
  // A zstd layer: no guess about Python or libc (it could hold or delete either); the answer
  // says which layer was not read and why.
  zstd: {
    format: "oci",
    env: PLAIN_ENV,
    layers: [
      [glibcRoot(), "gzip"],
      [[{ name: "usr/bin/python3.11", body: "ELF python\n" }], "zstd"],
    ],
    unread: { layer: 1, reason: "compression" },
    expected: { ...AMD64 },
  },
  // A layer of a media type the host does not read, on top: no guess about what it holds or
  // removes; the answer names it, reason "mediaType".
  "unknown-layer": {
    format: "oci",
    env: PLAIN_ENV,
    layers: [
      [glibcRoot(), "gzip"],
      [[{ name: "usr/bin/python3.11", body: "ELF python\n" }], "unknown"],
    ],
    unread: { layer: 1, reason: "mediaType" },
    expected: { ...AMD64 },
  },
  // Python on top of a big middle layer: Python from the top, libc from the base, the middle
  // layer never read (a layer budget smaller than all three still finds both).
  "python-over-big-layer": {
    format: "oci",
    env: PLAIN_ENV,
    layers: [
      [glibcRoot(), "gzip"],
      [[{ name: "opt/data.bin", body: noise(1 << 20) }], "gzip"],
      [[{ name: "usr/bin/python3.13", body: "ELF python\n" }], "gzip"],
    ],
    expected: { ...AMD64, libc: "glibc", pythonPath: "/usr/bin/python3.13", pythonVersion: "3.13" },
  },
  // Every runtime setting of the config, answered as the image spec gives it.
  "runtime-config": {
    format: "docker",
    env: [...PLAIN_ENV, "APP_ENV=production", "EMPTY="],
    runtime: { WorkingDir: "/srv/app", User: "1000:1000", Entrypoint: ["/usr/bin/env", "--"], Cmd: ["python3", "-m", "app"], Labels: { "org.example": "x" } },
    layers: [[glibcRoot(), "docker-gzip"]],
    expected: { ...AMD64, libc: "glibc", workdir: "/srv/app", user: "1000:1000", entrypoint: ["/usr/bin/env", "--"], cmd: ["python3", "-m", "app"] },
  },
};

/**
 * `length` bytes that do not compress (a xorshift stream, the same every run).
 * @param {number} length
 */
function noise(length) {
  const out = new Uint8Array(length);
  let x = 0x9e3779b9;
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

/**
 * Images of the repository "bad-config" whose config's runtime settings have types the image
 * spec does not give (the registry host refuses them: REGISTRY_BAD_ANSWER naming the key), or
 * values the core refuses (`core`: HOST_CALLBACK_FAILED naming the field), by tag.
 */
const BAD_CONFIGS = {
  "env-string": { runtime: { Env: "PATH=/bin" }, key: "Env" },
  "cmd-numbers": { runtime: { Cmd: [1, 2] }, key: "Cmd" },
  "user-number": { runtime: { User: 0 }, key: "User" },
  "config-list": { config: [], key: "config" },
  "workdir-relative": { runtime: { WorkingDir: "srv" }, key: "workdir", core: true },
  "env-no-equals": { runtime: { Env: ["PATH"] }, key: "env[0]", core: true },
};

/** The per-platform images of the multi-platform ones. */
const PLATFORM_IMAGES = {
  amd64: {
    env: PYTHON_ENV,
    layers: () => [
      layer(glibcRoot(), "gzip"),
      layer([{ name: "usr/local/bin/python3.12", body: "ELF python\n" }], "gzip"),
    ],
    platform: { architecture: "amd64", os: "linux" },
    expected: { ...AMD64, libc: "glibc", pythonPath: "/usr/local/bin/python3", pythonVersion: "3.12.7" },
  },
  arm64: {
    env: PLAIN_ENV,
    layers: () => [layer(muslRoot("aarch64"), "gzip")],
    platform: { architecture: "arm64", os: "linux", variant: "v8" },
    expected: { ...ARM64, libc: "musl" },
  },
};

/**
 * @typedef {object} Filled what `fill` pushed
 * @property {Record<string, { repository: string, tag: string, digest: string, expected: Record<string, unknown> }>} images
 *   single-platform images by repository (tag "1")
 * @property {Record<string, { repository: string, tag: string, digest: string, expected: Record<string, Record<string, unknown>> }>} indexes
 * @property {Record<string, { repository: string, key: string, core: boolean }>} badConfigs
 *   images of "bad-config" by tag: the key the error names, and whether the core refuses it
 *   "oci-index" and "docker-list": expected answers by platform ("linux/amd64", "linux/arm64")
 */

/**
 * Pushes every test image into the registry at `url`.
 * @param {string} url
 * @returns {Promise<Filled>}
 */
export async function fill(url) {
  const push = pusher(url);
  /** @type {Filled} */
  const filled = { images: {}, indexes: {}, badConfigs: {} };
  for (const [repository, image] of Object.entries(IMAGES)) {
    const layers = image.layers.map(([entries, kind]) => layer(/** @type {TarEntry[]} */ (entries), /** @type {any} */ (kind)));
    const runtime = "runtime" in image ? image.runtime : undefined;
    const { digest } = await pushImage(push, repository, "1", {
      format: /** @type {"oci" | "docker"} */ (image.format),
      platform: { architecture: "amd64", os: "linux" },
      env: image.env,
      runtime,
      layers,
    });
    /** @type {Record<string, unknown>} */
    const expected = { digest, env: image.env, ...(runtime ? {} : DEFAULT_ANSWER), ...image.expected };
    if ("unread" in image) {
      const unread = layers[image.unread.layer];
      expected.layersUnread = { reason: image.unread.reason, digest: sha256(unread.bytes), mediaType: unread.mediaType };
    }
    filled.images[repository] = { repository, tag: "1", digest, expected };
  }
  for (const [tag, bad] of Object.entries(BAD_CONFIGS)) {
    const config = "config" in bad ? bad.config : { ...DEFAULT_RUNTIME, ...bad.runtime };
    await pushImage(push, "bad-config", tag, { format: "oci", platform: { architecture: "amd64", os: "linux" }, env: PLAIN_ENV, layers: [layer(glibcRoot(), "gzip")], config });
    filled.badConfigs[tag] = { repository: "bad-config", key: bad.key, core: bad.core === true };
  }
  for (const [repository, format] of /** @type {const} */ ([["oci-index", "oci"], ["docker-list", "docker"]])) {
    const manifests = [];
    /** @type {Record<string, Record<string, unknown>>} */
    const expected = {};
    for (const [arch, image] of Object.entries(PLATFORM_IMAGES)) {
      const pushed = await pushImage(push, repository, null, { format, platform: image.platform, env: image.env, layers: image.layers() });
      manifests.push({ mediaType: pushed.mediaType, digest: pushed.digest, size: pushed.size, platform: image.platform });
      expected[`linux/${arch}`] = { env: image.env, ...DEFAULT_ANSWER, ...image.expected };
    }
    const mediaType = format === "oci" ? MEDIA.ociIndex : MEDIA.dockerList;
    const index = encoder.encode(JSON.stringify({ schemaVersion: 2, mediaType, manifests }));
    const digest = await push.manifest(repository, "1", index, mediaType);
    // The answer's digest is the index's: what `docker pull repo@digest` gives on every platform.
    for (const platform of Object.keys(expected)) expected[platform] = { digest, ...expected[platform] };
    filled.indexes[repository] = { repository, tag: "1", digest, expected };
  }
  return filled;
}

/**
 * Tags the image `source` (a digest in `repository`) as `tag` in `target` (a derived image
 * published under the tag scheme `sha256-<hex of the image hash>`): the same manifest bytes,
 * blobs mounted across repositories.
 * @param {string} url
 * @param {string} repository
 * @param {string} target
 * @param {string} tag
 */
export async function publishDerived(url, repository, target, tag) {
  const response = await fetch(`${url}/v2/${repository}/manifests/1`, { headers: { accept: `${MEDIA.ociManifest}, ${MEDIA.dockerManifest}` } });
  const bytes = new Uint8Array(await response.arrayBuffer());
  const manifest = JSON.parse(new TextDecoder().decode(bytes));
  for (const { digest } of [manifest.config, ...manifest.layers]) {
    const mount = await fetch(`${url}/v2/${target}/blobs/uploads/?mount=${digest}&from=${repository}`, { method: "POST" });
    await mount.arrayBuffer();
    if (mount.status !== 201) throw new Error(`mount ${digest} into ${target}: ${mount.status}`);
  }
  return pusher(url).manifest(target, tag, bytes, manifest.mediaType);
}
