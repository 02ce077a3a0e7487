// The diff vectors of the core (tests/vectors-diff) through the packed package in Node:
// `Image.diff(before, after)` gives what `diff` gives natively (tests/diff.rs), from Images,
// specs and JSON texts alike; bad arguments and a diff past its work limit are coded errors.
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, test } from "node:test";
import { ApothicError, Image } from "@apothic/image";
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

  test("a third argument is INVALID_ARGUMENT", () => {
    const image = Image.debianSlim();
    throws(() => Image.diff(image, image, image), { code: "INVALID_ARGUMENT", argument: "arguments[2]" });
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
