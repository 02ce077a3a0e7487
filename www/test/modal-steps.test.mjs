// The steps and base options Modal users bring (issue #15): `entrypoint(args)`, `cmd(args)`,
// `debianSlim({ buildTools })` and `fromRegistry(ref, { addPython })`. In Node: code ↔ model ↔
// spec round trips against the package; in headless Chromium: typed into their forms, checked
// against the package's own result.

import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { Image } from "@apothic/image";
import { modelToCode, parseModel } from "../build/core/chain.js";
import { callArgs, specToModel } from "../build/core/model.js";
import { previewText, settled, start } from "./browser.mjs";

function build(model) {
  let image = Image[model.base.op](...callArgs(model.base));
  for (const step of model.steps) image = image[step.op](...callArgs(step));
  return image;
}

const CHAINS = [
  `Image.debianSlim({ pythonVersion: "3.12", buildTools: true }).entrypoint(["python", "-m", "app"]).cmd(["serve", "--port", "8000"])`,
  `Image.fromRegistry("nvidia/cuda:12.4.1-devel-ubuntu22.04", { addPython: "3.12" }).entrypoint([]).pipInstall(["vllm"])`,
  `Image.fromRegistry("ubuntu:24.04", { prebuilt: false, addPython: "3.11.13" }).cmd([])`,
  `Image.debianSlim({ buildTools: false }).cmd(["a b", "$HOME", ""])`,
];

describe("the new steps and options in the core (Node)", () => {
  for (const code of CHAINS) {
    test(`code → model → image → spec → model → code: ${code.slice(0, 60)}…`, () => {
      const want = new Function("Image", `return ${code};`)(Image);
      const parsed = parseModel(code);
      assert.ok(parsed.ok, JSON.stringify(!parsed.ok && parsed.errors));
      const image = build(parsed.chain.model);
      assert.deepEqual(image.toSpec(), want.toSpec());
      assert.equal(image.dockerfile(), want.dockerfile());
      const model = specToModel(want.toSpec());
      const again = parseModel(modelToCode(model));
      assert.ok(again.ok);
      assert.deepEqual(again.chain.model, model);
      assert.equal(build(model).definitionHash(), want.definitionHash());
    });
  }
  test("the code view prints the new steps and options as the package takes them", () => {
    const spec = Image.fromRegistry("ubuntu:24.04", { addPython: "3.12" }).entrypoint([]).cmd(["serve"]).toSpec();
    const code = modelToCode(specToModel(spec));
    assert.match(code, /Image\.fromRegistry\("ubuntu:24\.04", \{\s*addPython: "3\.12",?\s*\}\)/);
    assert.match(code, /\.entrypoint\(\[\]\)/);
    assert.match(code, /\.cmd\(\["serve"\]\)/);
    const slim = modelToCode(specToModel(Image.debianSlim({ pythonVersion: "3.10", buildTools: true }).toSpec()));
    assert.match(slim, /Image\.debianSlim\(\{\s*pythonVersion: "3\.10",\s*buildTools: true,?\s*\}\)/);
  });
  test("entrypoint and cmd take an array only (a string is a shell line exec form would run as one word)", () => {
    for (const method of ["entrypoint", "cmd"]) {
      const code = `Image.debianSlim().${method}("python -m app")`;
      const parsed = parseModel(code);
      assert.ok(!parsed.ok);
      assert.equal(parsed.errors[0].code, "INVALID_ARGUMENT");
      assert.match(parsed.errors[0].message, /must be an array of strings/);
      assert.equal(code.slice(parsed.errors[0].from, parsed.errors[0].to), `"python -m app"`);
      assert.throws(() => Image.debianSlim()[method]("python -m app"), (e) => e.code === "INVALID_ARGUMENT");
    }
    const bad = parseModel(`Image.debianSlim().entrypoint(["python", 1])`);
    assert.ok(!bad.ok && bad.errors[0].code === "INVALID_ARGUMENT");
  });
  test("a wrong option type is refused at its position", () => {
    const parsed = parseModel(`Image.debianSlim({ buildTools: "yes" })`);
    assert.ok(!parsed.ok && parsed.errors[0].code === "INVALID_ARGUMENT");
    const registry = parseModel(`Image.fromRegistry("ubuntu:24.04", { addPython: 3.12 })`);
    assert.ok(!registry.ok && registry.errors[0].code === "INVALID_ARGUMENT");
  });
});

describe("the new fields in the console (Chromium)", () => {
  let env;
  before(async () => {
    env = await start();
  });
  after(async () => {
    await env?.close();
  });

  test("typing into buildTools, addPython, entrypoint and cmd renders what the package renders", async () => {
    const { page, context, errors } = await env.page();
    await page.click('[data-testid="tab-steps"]');
    await page.click('[data-testid="new-image"]');
    await settled(page);
    await page.check('[data-testid="base-card"] input[data-field="buildTools"]');
    for (const [op, words] of [["entrypoint", ["python", "-m", "app"]], ["cmd", ["serve"]]]) {
      await page.selectOption('[data-testid="add-step-kind"]', op);
      await page.click('[data-testid="add-step"]');
      for (const [i, word] of words.entries()) {
        if (i > 0) await page.keyboard.press("Enter");
        await page.keyboard.type(word);
      }
    }
    await settled(page);
    const slim = Image.debianSlim({ pythonVersion: "3.12", buildTools: true }).entrypoint(["python", "-m", "app"]).cmd(["serve"]);
    assert.equal(await previewText(page), slim.dockerfile());
    const code = await page.evaluate(() => window.apothicConsole.code);
    assert.match(code, /buildTools: true/);
    assert.match(code, /\.entrypoint\(\["python", "-m", "app"\]\)/);

    await page.click('[data-testid="base-fromRegistry"]');
    await page.fill('[data-testid="base-card"] input[data-field="ref"]', "ubuntu:24.04");
    await page.fill('[data-testid="base-card"] input[data-field="addPython"]', "3.12");
    await settled(page);
    const registry = Image.fromRegistry("ubuntu:24.04", { addPython: "3.12" }).entrypoint(["python", "-m", "app"]).cmd(["serve"]);
    assert.equal(await previewText(page), registry.dockerfile());
    assert.match(await page.evaluate(() => window.apothicConsole.code), /\{\s*addPython: "3\.12",?\s*\}/);

    // A bad version is marked on its field with the package's code.
    await page.fill('[data-testid="base-card"] input[data-field="addPython"]', "3.9");
    await settled(page);
    assert.match(await page.locator('[data-testid="base-card"] .field[data-key="addPython"]').innerText(), /INVALID_PYTHON_VERSION/);
    assert.deepEqual(errors, []);
    await context.close();
  });
});
