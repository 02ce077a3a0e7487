// The lint vectors of the core (tests/vectors-lint) through the packed package in Node: the
// same findings from image.lint() and in resolution.lint as natively (tests/lint.rs).
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { Image, memoryHost } from "@apothic/image";
import { lintHost, lintVectors } from "../harness/vectors.mjs";

describe("lint vectors through the package", () => {
  const vectors = lintVectors();
  test("there are vectors to replay", () => assert.ok(vectors.length >= 10, `${vectors.length} vectors`));
  for (const vector of vectors) {
    test(vector.name, async () => {
      const image = Image.fromSpec(vector.spec);
      assert.deepEqual(image.lint(), vector.lint, "image.lint()");
      const resolution = await image.resolve(lintHost(memoryHost, vector));
      assert.deepEqual(resolution.lint, vector.resolved, "resolution.lint");
    });
  }

  test("a fix spec loads, and its finding is gone", () => {
    const vector = vectors.find((v) => v.name === "secret-env");
    assert.ok(vector);
    const finding = Image.fromSpec(vector.spec).lint().find((f) => f.rule === "AL101" && f.fix);
    assert.ok(finding?.fix, "AL101 has a fix");
    const fixed = Image.fromSpec(finding.fix.spec);
    assert.equal(fixed.lint().filter((f) => f.rule === "AL101").length, 1);
    assert.ok(!fixed.dockerfile().includes("hunter2"));
  });

  test("step is null for the base, a number for a step", () => {
    const findings = Image.fromRegistry("ubuntu").runCommands(["sudo true"]).lint();
    assert.deepEqual(
      findings.map((f) => [f.rule, f.step, f.severity]),
      [["AL203", null, "warning"], ["AL402", 0, "warning"]],
    );
  });
});
