// The golden resolution vectors of the core (tests/vectors-resolve), replayed through the
// packed package with memoryHost: the same Dockerfiles, image hashes, spec hashes, layers,
// context, mounts, plans and diagnostics in wasm under Node as natively.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { Image, memoryHost } from "@apothic/image";
import { resolveVectors, vectorHost } from "../harness/vectors.mjs";

describe("golden resolution vectors through the package", () => {
  const vectors = resolveVectors();
  test("there are vectors to replay", () => assert.ok(vectors.length >= 12, `${vectors.length} vectors`));
  for (const vector of vectors) {
    test(vector.name, async () => {
      const resolution = await Image.fromSpec(vector.spec).resolve(vectorHost(memoryHost, vector));
      assert.deepEqual(resolution, vector.resolution);
    });
  }
});
