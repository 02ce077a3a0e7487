// The diff vectors of the core (tests/vectors-diff) through the packed package in Node:
// `Image.diff(before, after)` gives what `diff` gives natively (tests/diff.rs), from Images,
// specs and JSON texts alike; bad arguments and a diff past its work limit are coded errors. With
// the resolutions of both sides (memoryHost), the same answers as the native diff of resolutions.
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, test } from "node:test";
import { ApothicError, Image, memoryHost } from "@apothic/image";
import { apothicErrors } from "../harness/errors.mjs";
import { repo } from "../harness/vectors.mjs";

const { throws } = apothicErrors(ApothicError);
const dir = join(repo, "tests", "vectors-diff");

/** Every vector: { name, before, after, diff }. */
const vectors = readdirSync(dir)
  .filter((f) => f.endsWith(".json"))
  .sort()
  .map((f) => ({ name: f.slice(0, -5), ...JSON.parse(readFileSync(join(dir, f), "utf8")) }));

/** `n` distinct runCommands steps tagged `tag`. */
function manySteps(n, tag) {
  let image = Image.debianSlim();
  for (let i = 0; i < n; i++) image = image.runCommands([`echo ${tag} ${i}`]);
  return image;
}

describe("Image.diff through the package", () => {
  test("there are vectors to replay", () => assert.ok(vectors.length >= 10, `${vectors.length} vectors`));

  for (const vector of vectors) {
    test(vector.name, () => {
      const before = Image.fromSpec(vector.before);
      const after = Image.fromSpec(vector.after);
      assert.deepEqual(Image.diff(before, after), vector.diff, "from Images");
      assert.deepEqual(Image.diff(vector.before, vector.after), vector.diff, "from specs");
      assert.deepEqual(Image.diff(JSON.stringify(vector.before), JSON.stringify(vector.after)), vector.diff, "from JSON texts");
    });
  }

  test("the images given are left as they were", () => {
    const before = Image.debianSlim().aptInstall(["git"]);
    const after = before.env({ A: "1" });
    Image.diff(before, after);
    assert.equal(before.length, 1);
    assert.equal(after.dockerfile().split("\n").length, 4);
  });

  test("a value that is not an image is INVALID_SPEC naming its side", () => {
    const image = Image.debianSlim();
    throws(() => Image.diff(image, 42), { code: "INVALID_SPEC", argument: "after" });
    throws(() => Image.diff(undefined, image), { code: "INVALID_SPEC", argument: "before" });
    throws(() => Image.diff("{", image), { code: "INVALID_SPEC", argument: "before" });
  });

  test("a spec that does not validate names its side and step", () => {
    const spec = Image.debianSlim().toSpec();
    const bad = { ...spec, steps: [{ op: "aptInstall", packages: ["-x"] }] };
    throws(() => Image.diff(spec, bad), { code: "INVALID_PACKAGE", argument: "after.steps[0].packages[0]" });
  });

  test("a fourth argument is INVALID_ARGUMENT", () => {
    const image = Image.debianSlim();
    throws(() => Image.diff(image, image, undefined, image), { code: "INVALID_ARGUMENT", argument: "arguments[3]" });
  });

  test("past its work limit: DIFF_TOO_LARGE, and the next call works", () => {
    throws(() => Image.diff(manySteps(2000, "a"), manySteps(2000, "b")), { code: "DIFF_TOO_LARGE", parts: ["2000 steps with 2000"] });
    assert.equal(Image.diff(Image.debianSlim(), Image.debianSlim()).identical, true);
  });

  test("a line too long to render names its side", () => {
    const long = Image.debianSlim().runCommands([`echo ${"x".repeat(70_000)}`]);
    throws(() => Image.diff(Image.debianSlim(), long), { code: "LINE_TOO_LONG", argument: "after.steps[0]" });
  });
});

/** apt git, pip -r req.txt, a run step, then a runtime file (no layer), as tests/diff.rs builds it. */
const requirementsImage = (options) =>
  Image.debianSlim().aptInstall(["git"]).pipInstallFromRequirements("req.txt", options).runCommands(["echo done"]).addLocalFile("job.py");
const FILES = { "req.txt": "flask\n", "job.py": "print(1)\n" };
const NEW_FILES = { "req.txt": "flask\nrequests\n", "job.py": "print(1)\n" };
const resolved = (image, files) => image.resolve(memoryHost(files));
const reasons = (d) => d.layers.map((l) => [l.step, l.status, l.reason]);

describe("Image.diff with resolutions", () => {
  test("a changed requirements file rebuilds its layer and those after it", async () => {
    const image = requirementsImage();
    const [before, after] = [await resolved(image, FILES), await resolved(image, NEW_FILES)];
    const d = Image.diff(image, image, { before, after });
    assert.deepEqual(reasons(d), [
      [null, "reused", "unchanged"],
      [0, "reused", "unchanged"],
      [1, "rebuild", "filesChanged"],
      [2, "rebuild", "afterRebuild"],
    ]);
    assert.deepEqual([d.reused, d.rebuild, d.unknown, d.firstRebuild, d.identical, d.hunks.length], [2, 2, 0, 2, false, 0]);
    assert.equal(d.before.imageHash, before.imageHash);
    assert.equal(d.after.imageHash, after.imageHash);
    // Without them, the same layers are unknown, and the sides have no imageHash.
    const pure = Image.diff(image, image);
    assert.deepEqual([pure.unknown, pure.identical, "imageHash" in pure.after], [2, true, false]);
  });

  test("the same files reuse every layer", async () => {
    const image = requirementsImage();
    const d = Image.diff(image, image, { before: await resolved(image, FILES), after: await resolved(image, FILES) });
    assert.deepEqual([d.reused, d.rebuild, d.unknown, d.firstRebuild, d.identical], [4, 0, 0, null, true]);
    assert.deepEqual([d.before.unrendered, d.after.unrendered], [[], []]);
  });

  test("the hunks are those of the resolved Dockerfiles", async () => {
    const [a, b] = [requirementsImage(), requirementsImage({ pre: true })];
    const resolutions = { before: await resolved(a, FILES), after: await resolved(b, FILES) };
    const d = Image.diff(a.toSpec(), JSON.stringify(b.toSpec()), resolutions);
    const text = d.hunks.flatMap((h) => h.lines.map((l) => l.text)).join("\n");
    assert.ok(!text.includes("# rendered by resolve"), text);
    assert.match(text, /--pre/);
    assert.equal(d.layers[2].reason, "changed");
    assert.deepEqual(d.layers.map((l) => l.lines), resolutions.after.layers.map((l) => l.lines));
  });

  test("a resolution of another image is INVALID_ARGUMENT naming its side", async () => {
    const image = requirementsImage();
    const ours = await resolved(image, FILES);
    const other = Image.debianSlim().aptInstall(["curl"]).pipInstallFromRequirements("req.txt").runCommands(["echo done"]).addLocalFile("job.py");
    const theirs = await resolved(other, FILES);
    throws(() => Image.diff(image, image, { before: ours, after: theirs }), { code: "INVALID_ARGUMENT", argument: "resolutions.after.layers[1].hash" });
    throws(() => Image.diff(image, image, { before: theirs, after: ours }), { code: "INVALID_ARGUMENT", argument: "resolutions.before.layers[1].hash" });
    const short = await resolved(Image.debianSlim(), {});
    throws(() => Image.diff(image, image, { before: short, after: ours }), { code: "INVALID_ARGUMENT", argument: "resolutions.before.layers" });
  });

  test("a wrong shape is INVALID_ARGUMENT naming the field", async () => {
    const image = requirementsImage();
    const ours = await resolved(image, FILES);
    const withLayer = (k, layer) => ({ ...ours, layers: ours.layers.map((l, i) => (i === k ? layer : l)) });
    const cases = [
      [42, "resolutions"],
      [[], "resolutions"],
      [{ before: ours }, "resolutions.after"],
      [{ after: ours }, "resolutions.before"],
      [{ before: ours, after: ours, extra: 1 }, "resolutions.extra"],
      [{ before: "x", after: ours }, "resolutions.before"],
      [{ before: { ...ours, layers: undefined }, after: ours }, "resolutions.before.layers"],
      [{ before: { ...ours, dockerfile: 1 }, after: ours }, "resolutions.before.dockerfile"],
      [{ before: ours, after: { ...ours, imageHash: null } }, "resolutions.after.imageHash"],
      [{ before: ours, after: withLayer(3, { ...ours.layers[3], hash: 7 }) }, "resolutions.after.layers[3].hash"],
      [{ before: ours, after: withLayer(1, { ...ours.layers[1], step: -1 }) }, "resolutions.after.layers[1].step"],
      [{ before: ours, after: withLayer(1, { ...ours.layers[1], lines: { first: 1 } }) }, "resolutions.after.layers[1].lines.last"],
      [{ before: ours, after: withLayer(2, { ...ours.layers[2], inputs: [{ ...ours.layers[2].inputs[0], mode: "644" }] }) }, "resolutions.after.layers[2].inputs[0].mode"],
      [{ before: ours, after: withLayer(2, { ...ours.layers[2], inputs: {} }) }, "resolutions.after.layers[2].inputs"],
    ];
    for (const [resolutions, argument] of cases) {
      throws(() => Image.diff(image, image, resolutions), { code: "INVALID_ARGUMENT", argument });
    }
    // A getter that throws is an error too, never an unwind.
    const trap = { ...ours, get layers() { throw new Error("boom"); } };
    throws(() => Image.diff(image, image, { before: trap, after: ours }), { code: "INVALID_ARGUMENT", argument: "resolutions.before.layers" });
    // null and undefined are no resolutions.
    assert.equal(Image.diff(image, image, null).unknown, 2);
    assert.equal(Image.diff(image, image, undefined).unknown, 2);
  });
});
