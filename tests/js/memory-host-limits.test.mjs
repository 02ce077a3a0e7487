// memoryHost's lookups cost bounded, linear time (issue 13, hole 4). A symlink target holds at
// most 4,096 bytes (a longer one is refused when the host is made: a TypeError with code
// "ENAMETOOLONG"), a lookup follows at most 40 symlinks ("ELOOP"), and each path segment costs
// O(1): before, `symlinks: { l: "d/../".repeat(50000) + "l" }` cost 15.5 s per lookup and a
// 50,000-level path 21 s. The time bounds below are 10× (or more) what the lookups take here and
// far below what they took before.
import assert from "node:assert/strict";
import { test } from "node:test";
import { memoryHost } from "@apothic/image";

const elapsed = async (work) => {
  const start = performance.now();
  await work();
  return performance.now() - start;
};

test("a symlink target over 4,096 bytes is refused when the host is made (ENAMETOOLONG)", async () => {
  const ms = await elapsed(async () => {
    assert.throws(
      () => memoryHost({ "d/x": "" }, { symlinks: { l: "d/../".repeat(50000) + "l" } }),
      (e) => e instanceof TypeError && e.code === "ENAMETOOLONG" && /250,001 bytes/.test(e.message) && /4,096 bytes/.test(e.message),
    );
    // 4,096 bytes (counted in UTF-8) is allowed; one more is not.
    const target = "é".repeat(2047) + "xy";
    assert.equal(new TextEncoder().encode(target).length, 4096);
    memoryHost({ x: "" }, { symlinks: { l: target } });
    assert.throws(() => memoryHost({ x: "" }, { symlinks: { l: target + "z" } }), { code: "ENAMETOOLONG" });
  });
  assert.ok(ms < 2000, `took ${ms} ms`);
});

test("the longest symlink chains resolve in linear time: 40 hops of 4,096-byte targets, 200 lookups", async () => {
  // l0 → d/../d/../…/l1 → … → l39 → d/../…/d/f.txt: 40 hops of 1,600 segments each.
  const target = (next) => "d/../".repeat(800) + next;
  const symlinks = {};
  for (let i = 0; i < 40; i++) symlinks[`l${i}`] = target(i === 39 ? "d/f.txt" : `l${i + 1}`);
  const host = memoryHost({ "d/f.txt": "hi" }, { symlinks });
  const ms = await elapsed(async () => {
    for (let i = 0; i < 200; i++) assert.equal(new TextDecoder().decode(await host.readFile("l0")), "hi");
  });
  assert.ok(ms < 20_000, `took ${ms} ms`);
  // One more hop is a loop error, not more work.
  const looping = memoryHost({ "d/f.txt": "hi" }, { symlinks: { ...symlinks, l39: target("l0") } });
  await assert.rejects(looping.readFile("l0"), { code: "ELOOP" });
});

test("a 50,000-level path is made and looked up in linear time", async () => {
  const deep = "a/".repeat(50000) + "f.txt";
  const ms = await elapsed(async () => {
    const host = memoryHost({ [deep]: "deep" }, { symlinks: { top: "a/a/a", [`${"a/".repeat(49999)}up`]: "../" } });
    assert.equal(new TextDecoder().decode(await host.readFile(deep)), "deep");
    assert.equal(new TextDecoder().decode(await host.readFile(`top/${"a/".repeat(49997)}f.txt`)), "deep");
    assert.deepEqual((await host.readDir(`${"a/".repeat(49999)}up`)).map((e) => e.name), ["a"]);
    await assert.rejects(host.readFile(`${deep}/more`), { code: "ENOTDIR" });
    await assert.rejects(host.readFile("a/".repeat(50001) + "g"), { code: "ENOENT" });
  });
  assert.ok(ms < 10_000, `took ${ms} ms`);
});
