// The golden vectors of the core (tests/vectors), replayed through the JavaScript API of the
// installed package: same spec, canonical JSON, Dockerfile (or render error) and hash as the
// native tests pin; every error vector throws an ApothicError with its code and argument, and
// leaves the receiver untouched.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { ApothicError, Image, canonicalJsonOf } from "@apothic/image";
import { apothicErrors, describeError } from "../harness/errors.mjs";
import { errorVectors, goldenVectors, replay } from "../harness/vectors.mjs";

const { assertApothicError, throws } = apothicErrors(ApothicError);

const golden = goldenVectors();
const errors = errorVectors();

test("the vectors are there", () => {
  assert.ok(golden.length >= 30, `only ${golden.length} golden vectors`);
  assert.ok(errors.length >= 50, `only ${errors.length} error vectors`);
});

/** Where an error vector pins no argument, what the JavaScript binding may name instead. */
const topLevelArgument = { fromSpec: ["spec"] };

function assertRenderMatches(image, vector) {
  if (vector.dockerfile !== undefined) {
    assert.equal(image.dockerfile(), vector.dockerfile);
  } else {
    throws(() => image.dockerfile(), { code: vector.renderError.code, argument: vector.renderError.argument ?? null });
  }
}

describe("golden vectors", () => {
  for (const vector of golden) {
    test(vector.name, () => {
      const { image, images } = replay(Image, vector.calls, (before, after, call) => {
        // Immutability: the receiver is the image it was before the call.
        assert.notEqual(after, before, `${call[0]} returned its receiver`);
        assert.ok(after instanceof Image);
      });
      // Every intermediate image still has the spec it had when it was made.
      const canonicals = images.map((i) => i.canonicalJson());
      assert.deepEqual(image.toSpec(), vector.spec);
      assert.equal(image.canonicalJson(), vector.canonical);
      assert.equal(image.definitionHash(), vector.hash);
      assert.equal(image.length, vector.spec.steps.length);
      assertRenderMatches(image, vector);
      assert.equal(canonicalJsonOf(vector.spec), vector.canonical);
      assert.deepEqual(images.map((i) => i.canonicalJson()), canonicals);

      // fromSpec(spec.json) is the same image.
      const again = Image.fromSpec(vector.spec);
      assert.deepEqual(again.toSpec(), vector.spec);
      assert.equal(again.definitionHash(), vector.hash);
      assertRenderMatches(again, vector);
      // toSpec() is plain JSON (no Map, no undefined): it survives JSON.
      assert.deepEqual(JSON.parse(JSON.stringify(image.toSpec())), vector.spec);
      for (const i of [...images, again]) i.free();
    });
  }
});

describe("error vectors", () => {
  for (const vector of errors) {
    test(vector.name, () => {
      const [first, ...rest] = vector.calls;
      const [constructor, ...constructorArgs] = first;
      let image;
      let thrown;
      let receiver;
      let receiverCanonical;
      try {
        image = Image[constructor](...constructorArgs);
        for (const [method, ...args] of rest) {
          receiver = image;
          receiverCanonical = receiver.canonicalJson();
          image = receiver[method](...args);
        }
      } catch (e) {
        thrown = e;
      }
      assert.ok(thrown !== undefined, `no error; got ${image?.canonicalJson()}`);
      assertApothicError(thrown, { code: vector.code });
      if (vector.argument === null) {
        // No path inside the input: the core names none; the binding may name the whole argument.
        const failing = vector.calls[vector.calls.length - 1][0];
        assert.ok([undefined, ...(topLevelArgument[failing] ?? [])].includes(thrown.argument), describeError(thrown));
      } else {
        assert.equal(thrown.argument, vector.argument, describeError(thrown));
      }
      assert.ok(thrown.message.length > 0);
      assert.ok(Object.hasOwn(thrown, "code"), "code is an own property");
      if (receiver !== undefined) {
        // The failed call left its receiver as it was, and usable.
        assert.equal(receiver.canonicalJson(), receiverCanonical);
        assert.match(receiver.definitionHash(), /^sha256:[0-9a-f]{64}$/);
        receiver.free();
      }
    });
  }
});

test("a value of the wrong JavaScript type names its path in what was passed", () => {
  const slim = Image.debianSlim();
  const cases = [
    [() => Image.fromRegistry("python", { prebuilt: "yes" }), "options.prebuilt", /expected a boolean/],
    [() => Image.debianSlim({ pythonVersion: 3.12 }), "options.pythonVersion", /expected a string/],
    [() => slim.pipInstall("x", { indexUrl: 5 }), "options.indexUrl", /expected a string/],
    [() => slim.pipInstall("x", { bogus: 1 }), "options.bogus", /unknown field `bogus`/],
    [() => slim.uvPipInstall("x", { uvVersion: 13 }), "options.uvVersion", /expected a string/],
    [() => Image.fromDockerfile("Dockerfile", { base: ["python"] }), "options.base", /expected a string/],
  ];
  for (const [call, argument, message] of cases) {
    const thrown = throws(call, { code: "INVALID_ARGUMENT", argument, message });
    // The position in the package's own JSON text means nothing to the caller.
    assert.doesNotMatch(thrown.message, /line 1 column/);
  }
});
