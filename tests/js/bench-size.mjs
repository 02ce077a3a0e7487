// `make bench`, where the bytes of the .wasm go: code size per crate, per module of this crate
// and per function, from the name section of the module wasm-bindgen wrote before wasm-opt
// (target/wasm-bindgen/apothic_image_bg.wasm, written by scripts/build-pkg.mjs; wasm-opt -Oz
// strips the names and shrinks the code by a few percent, so these are shares, not the final
// bytes). Gzip per group compresses that group's functions alone (the groups do not add up to
// the module's gzip size).
//
//   node tests/js/bench-size.mjs [--wasm path] [--functions 25]
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";

const root = fileURLToPath(new URL("../..", import.meta.url));
const args = process.argv.slice(2);
const option = (name, fallback) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : fallback;
};
const bytes = readFileSync(option("--wasm", join(root, "target/wasm-bindgen/apothic_image_bg.wasm")));

// ---- the sections: imports (to number functions), code bodies, function names ----------------------
let at = 8;
const leb = () => {
  let value = 0, shift = 0, byte;
  do { byte = bytes[at++]; value += (byte & 0x7f) * 2 ** shift; shift += 7; } while (byte & 0x80);
  return value;
};
const text = (length) => bytes.toString("utf8", at, (at += length));
let imported = 0;
const bodies = [];
const names = new Map();
const sections = {};
while (at < bytes.length) {
  const id = bytes[at++];
  const size = leb();
  const end = at + size;
  if (id === 0) {
    const name = text(leb());
    sections[`custom "${name}"`] = size;
    if (name === "name") {
      while (at < end) {
        const sub = bytes[at++];
        const subEnd = leb() + at;
        if (sub === 1) for (let n = leb(); n > 0; n--) { const index = leb(); names.set(index, text(leb())); }
        at = subEnd;
      }
    }
  } else {
    sections[["custom", "type", "import", "function", "table", "memory", "global", "export", "start", "element", "code", "data", "data count"][id] ?? id] = size;
    if (id === 2) {
      for (let n = leb(); n > 0; n--) {
        text(leb()); text(leb());
        const kind = bytes[at++];
        if (kind === 0) { leb(); imported++; }
        else if (kind === 1) { at++; if (bytes[at++] & 1) { leb(); leb(); } else leb(); }
        else if (kind === 2) { if (bytes[at++] & 1) { leb(); leb(); } else leb(); }
        else if (kind === 3) at += 2;
        else if (kind === 4) { at++; leb(); }
      }
    } else if (id === 10) {
      for (let n = leb(), i = 0; i < n; i++) { const length = leb(); bodies.push({ index: imported + i, start: at, length }); at += length; }
    }
  }
  at = end;
}

// ---- groups ------------------------------------------------------------------------------------------
/** The crate of a (demangled) function name, and for this crate its first module. */
function group(name) {
  const own = /apothic_image::([a-z_]+)/.exec(name);
  if (own) return `apothic_image::${own[1]}`;
  const crate = /^(?:<+(?:&mut |&)?)?([a-z_][a-z0-9_]*)(?:\[[0-9a-f]+\])?::/.exec(name);
  return crate ? crate[1] : "(other: trait impls of std types, shims)";
}
const groups = new Map();
for (const body of bodies) {
  const key = group(names.get(body.index) ?? "");
  const entry = groups.get(key) ?? { raw: 0, code: [] };
  entry.raw += body.length;
  entry.code.push(bytes.subarray(body.start, body.start + body.length));
  groups.set(key, entry);
}
const KiB = (n) => `${(n / 1024).toFixed(1)} KiB`;
const codeBytes = bodies.reduce((sum, b) => sum + b.length, 0);
console.log(`code section ${KiB(sections.code ?? 0)} (${bodies.length} functions), data ${KiB(sections.data ?? 0)}, names ${KiB(sections['custom "name"'] ?? 0)} (stripped by wasm-opt)\n`);
console.log("| crate / module | code | share | gzip of its code alone |\n| --- | --- | --- | --- |");
for (const [key, entry] of [...groups].sort((a, b) => b[1].raw - a[1].raw)) {
  if (entry.raw < 2048) continue;
  console.log(`| ${key} | ${KiB(entry.raw)} | ${((100 * entry.raw) / codeBytes).toFixed(1)}% | ${KiB(gzipSync(Buffer.concat(entry.code), { level: 9 }).length)} |`);
}
console.log("\n| largest functions | code |\n| --- | --- |");
for (const body of [...bodies].sort((a, b) => b.length - a.length).slice(0, Number(option("--functions", 25)))) {
  const name = (names.get(body.index) ?? `#${body.index}`).replace(/::h[0-9a-f]{16}$/, "").replace(/\[[0-9a-f]{16}\]/g, "");
  console.log(`| \`${name.length > 110 ? `${name.slice(0, 110)}…` : name}\` | ${KiB(body.length)} |`);
}
