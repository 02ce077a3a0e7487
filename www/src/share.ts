// Sharing a spec by URL: `#spec=<base64url>` of the spec's JSON, deflated where the browser has
// CompressionStream (`#spec=z.<…>`). The files are not part of a link: they stay on this machine.

function toBase64Url(bytes: Uint8Array): string {
  let s = "";
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

function fromBase64Url(text: string): Uint8Array {
  const b64 = text.replace(/-/g, "+").replace(/_/g, "/") + "===".slice((text.length + 3) % 4);
  const s = atob(b64);
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}

async function pipe(bytes: Uint8Array, stream: CompressionStream | DecompressionStream): Promise<Uint8Array> {
  const body = new Blob([bytes as BlobPart]).stream().pipeThrough(stream);
  return new Uint8Array(await new Response(body).arrayBuffer());
}

/** The fragment (without `#`) that carries `specJson`. */
export async function encodeSpec(specJson: string): Promise<string> {
  const raw = new TextEncoder().encode(specJson);
  if (typeof CompressionStream !== "undefined") {
    const z = await pipe(raw, new CompressionStream("deflate-raw"));
    if (z.length < raw.length) return `spec=z.${toBase64Url(z)}`;
  }
  return `spec=${toBase64Url(raw)}`;
}

/** The spec JSON in a location hash, or null when it has none. Throws on a damaged link. */
export async function decodeSpec(hash: string): Promise<string | null> {
  const m = /(?:^#?|&)spec=([A-Za-z0-9_.-]+)/.exec(hash);
  if (!m) return null;
  const value = m[1];
  try {
    if (value.startsWith("z.")) {
      if (typeof DecompressionStream === "undefined") throw new Error("this browser cannot inflate the link");
      return new TextDecoder("utf-8", { fatal: true }).decode(await pipe(fromBase64Url(value.slice(2)), new DecompressionStream("deflate-raw")));
    }
    return new TextDecoder("utf-8", { fatal: true }).decode(fromBase64Url(value));
  } catch (e) {
    throw new Error(`the link's spec is damaged (${e instanceof Error ? e.message : String(e)})`);
  }
}
