// The console in headless Chromium, used as a person would (clicking, typing, dropping files,
// downloading), with every number checked against the package's own result computed here in
// Node. Screenshots of the run go to www/build/screenshots/ (see shot() in browser.mjs).

import assert from "node:assert/strict";
import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { Image, memoryHost } from "@apothic/image";
import { previewText, setCode, settled, shot, start } from "./browser.mjs";

let env;
before(async () => {
  env = await start();
});
after(async () => {
  await env?.close();
});

// --- helpers --------------------------------------------------------------------------------------

const cards = (page) => page.locator('[data-testid="step-card"]');

async function addStep(page, op) {
  await page.selectOption('[data-testid="add-step-kind"]', op);
  await page.click('[data-testid="add-step"]');
}

async function newImage(page) {
  await page.click('[data-testid="tab-steps"]');
  await page.click('[data-testid="new-image"]');
  await settled(page);
}


async function hashes(page) {
  return page.evaluate(() => {
    const get = (id) => document.querySelector(`[data-testid="hash-${id}"]`)?.dataset.hash ?? "";
    return { definition: get("definition"), image: get("image"), spec: get("spec") };
  });
}

async function state(page) {
  return page.evaluate(() => ({ model: window.apothicConsole.model, code: window.apothicConsole.code }));
}

function writeTree(root, files) {
  for (const [p, text] of Object.entries(files)) {
    mkdirSync(join(root, p, ".."), { recursive: true });
    writeFileSync(join(root, p), text);
  }
}

function tempDir() {
  return mkdtempSync(join(tmpdir(), "apothic-console-test-"));
}

/** A small project on disk (for the folder picker) and the same as memoryHost files. */
function project() {
  const files = {
    "requirements.txt": "-r requirements/base.txt\nrequests==2.32.3\n",
    "requirements/base.txt": "numpy>=2\n",
    "pyproject.toml": '[project]\nname = "demo"\nversion = "0.1.0"\ndependencies = ["fastapi>=0.115"]\n\n[project.optional-dependencies]\ndev = ["pytest>=8"]\n',
    ".env": "APP_ENV=production\nexport PORT=8080\n",
    "src/app/__init__.py": "",
    "src/app/main.py": "def handler():\n    return 1\n",
    "bin/run.sh": "#!/bin/sh\nexec python -m app.main\n",
    "data/seed.csv": "a,b\n1,2\n",
  };
  return files;
}

const CHAIN = `import { Image } from "@apothic/image";

export const image = Image.debianSlim({ pythonVersion: "3.12" })
  .pipInstallFromRequirements("requirements.txt")
  .uvPipInstallFromPyproject("pyproject.toml", { optionalDependencies: ["dev"] })
  .envFile(".env")
  .copyLocalDir("src", "/app/src")
  .copyLocalFile("bin/run.sh", "/usr/local/bin/")
  .workdir("/app")
  .addLocalDir("data", "/data");
`;
const chainImage = () =>
  Image.debianSlim({ pythonVersion: "3.12" })
    .pipInstallFromRequirements("requirements.txt")
    .uvPipInstallFromPyproject("pyproject.toml", { optionalDependencies: ["dev"] })
    .envFile(".env")
    .copyLocalDir("src", "/app/src")
    .copyLocalFile("bin/run.sh", "/usr/local/bin/")
    .workdir("/app")
    .addLocalDir("data", "/data");

// --- tests ----------------------------------------------------------------------------------------

describe("the image console in Chromium", () => {
  test("compose a multi-step image by clicking and typing: preview and hashes equal the package's", async () => {
    const { page, context, errors } = await env.page();
    await newImage(page);
    assert.equal(await cards(page).count(), 0);

    // Base: Debian slim, Python 3.13.
    await page.fill('[data-testid="base-card"] input[data-field="pythonVersion"]', "3.13");

    // apt: two packages, typed with Enter between them.
    await addStep(page, "aptInstall");
    await page.keyboard.type("git");
    await page.keyboard.press("Enter");
    await page.keyboard.type("curl");

    // pip: packages plus an option.
    await addStep(page, "pipInstall");
    await page.keyboard.type("pandas");
    await page.keyboard.press("Enter");
    await page.keyboard.type("numpy>=2");
    const pip = cards(page).nth(1);
    await pip.locator("details.options > summary").click();
    await pip.locator('input[data-field="pre"]').check();
    await pip.locator('input[data-field="extraOptions"]').fill("--no-deps");

    // A command that spans lines (Shift+Enter), and a second one (Enter).
    await addStep(page, "runCommands");
    await page.keyboard.type("echo hello");
    await page.keyboard.press("Shift+Enter");
    await page.keyboard.type("echo world");
    await page.keyboard.press("Enter");
    await page.keyboard.type("python -V");

    // env: "=" jumps from the name to the value.
    await addStep(page, "env");
    await page.keyboard.type("GREETING=it's $HOME");
    await page.keyboard.press("Enter");
    await page.keyboard.type("WORKERS=4");

    await addStep(page, "workdir");
    await page.keyboard.type("app");
    await addStep(page, "withDockerfile");
    await page.keyboard.type("EXPOSE 8000");

    // A step added by mistake, then deleted; the env step moved up, up, and down again.
    await addStep(page, "commandShell");
    await cards(page).nth(6).locator('[data-testid="delete"]').click();
    await cards(page).nth(3).locator('[data-testid="move-up"]').click();
    await cards(page).nth(2).locator('[data-testid="move-up"]').click();
    await cards(page).nth(1).locator('[data-testid="move-down"]').click();
    await settled(page);

    const image = Image.debianSlim({ pythonVersion: "3.13" })
      .aptInstall(["git", "curl"])
      .pipInstall(["pandas", "numpy>=2"], { pre: true, extraOptions: "--no-deps" })
      .env({ GREETING: "it's $HOME", WORKERS: "4" })
      .runCommands(["echo hello\necho world", "python -V"])
      .workdir("app")
      .withDockerfile("EXPOSE 8000");
    const [ops, text, h] = [await cards(page).evaluateAll((els) => els.map((e) => e.dataset.op)), await previewText(page), await hashes(page)];
    assert.deepEqual(ops, ["aptInstall", "pipInstall", "env", "runCommands", "workdir", "withDockerfile"]);
    assert.equal(text, image.dockerfile());
    assert.equal(h.definition, image.definitionHash());
    const resolved = await image.resolve(memoryHost({}));
    assert.equal(h.image, resolved.imageHash);
    assert.equal(h.spec, resolved.specHash);
    // Per-layer hashes, in order, base first.
    const layerHashes = await page.$$eval('[data-testid="layers"] tr[data-hash]', (rows) => rows.map((r) => r.dataset.hash));
    assert.deepEqual(layerHashes, resolved.layers.map((l) => l.hash));
    // The spec JSON view is the package's toSpec().
    const specShown = await page.$$eval('[data-testid="spec"] .line .lc', (els) => els.map((e) => e.textContent).join("\n"));
    assert.deepEqual(JSON.parse(specShown), image.toSpec());
    // The TypeScript view says the same thing.
    const { code } = await state(page);
    assert.match(code, /\.aptInstall\(\["git", "curl"\]\)/);
    assert.match(code, /\.env\(\{ GREETING: "it's \$HOME", WORKERS: "4" \}\)/);

    // Changing one step marks its layer "changed" and the later ones "rebuilt".
    await cards(page).nth(1).locator('input[data-row="0"]').fill("polars");
    await settled(page);
    const marks = await page.$$eval('[data-testid="layers"] tr[data-hash]', (rows) => rows.map((r) => r.dataset.mark));
    assert.deepEqual(marks, ["same", "same", "changed", "rebuilt", "rebuilt", "rebuilt", "rebuilt"]);
    assert.ok((await page.locator('[data-testid="dockerfile"] .line.changed').count()) === 1, "one Dockerfile line changed");
    await shot(page, "compose-light");
    assert.deepEqual(errors, []);
    await context.close();
  });

  test("every step kind through its form (and the three bases), against the package", async () => {
    const { page, context, errors } = await env.page();
    await newImage(page);
    const files = { "requirements.txt": "requests==2.32.3\n", "pyproject.toml": '[project]\nname = "x"\nversion = "1"\ndependencies = ["rich"]\n', ".env": "A=1\n", "app.py": "print(1)\n", "src/a.py": "x = 1\n" };
    await addFiles(page, files);
    // What to type into each form's first field (the file steps name the files above).
    const typed = [
      ["pipInstall", "requests", (i) => i.pipInstall(["requests"])],
      ["uvPipInstall", "httpx", (i) => i.uvPipInstall(["httpx"])],
      ["pipInstallFromRequirements", "requirements.txt", (i) => i.pipInstallFromRequirements("requirements.txt")],
      ["uvPipInstallFromRequirements", "requirements.txt", (i) => i.uvPipInstallFromRequirements("requirements.txt")],
      ["pipInstallFromPyproject", "pyproject.toml", (i) => i.pipInstallFromPyproject("pyproject.toml")],
      ["uvPipInstallFromPyproject", "pyproject.toml", (i) => i.uvPipInstallFromPyproject("pyproject.toml")],
      ["aptInstall", "git", (i) => i.aptInstall(["git"])],
      ["runCommands", "echo hi", (i) => i.runCommands(["echo hi"])],
      ["env", "A=1", (i) => i.env({ A: "1" })],
      ["envFile", ".env", (i) => i.envFile(".env")],
      ["workdir", "/srv", (i) => i.workdir("/srv")],
      ["commandShell", " -e", (i) => i.commandShell("/bin/bash -e")],
      ["withDockerfile", "LABEL a=b", (i) => i.withDockerfile("LABEL a=b")],
      ["copyLocalFile", "app.py", (i) => i.copyLocalFile("app.py")],
      ["copyLocalDir", "src", (i) => i.copyLocalDir("src")],
      ["copyLocalPythonSource", "app", (i) => i.copyLocalPythonSource(["app"])],
      ["addLocalFile", "app.py", (i) => i.addLocalFile("app.py")],
      ["addLocalDir", "src", (i) => i.addLocalDir("src")],
      ["addLocalPythonSource", "app", (i) => i.addLocalPythonSource(["app"])],
    ];
    let image = Image.debianSlim({ pythonVersion: "3.12" });
    for (const [op, text, apply] of typed) {
      await addStep(page, op);
      await page.keyboard.type(text);
      image = apply(image);
    }
    await settled(page);
    assert.equal(await page.locator('[data-testid="badge"].error').count(), 0, await page.locator(".problem.error").allInnerTexts().then((t) => t.join("\n")));
    const host = memoryHost(files);
    const want = await image.resolve(host);
    assert.equal(await previewText(page), want.dockerfile);
    assert.deepEqual(await hashes(page), { definition: image.definitionHash(), image: want.imageHash, spec: want.specHash });
    assert.equal(await page.locator('[data-testid="mounts"] tr').count(), want.mounts.reduce((n, m) => n + m.files.length, 0));

    // The three bases, each through its form.
    await page.click('[data-testid="base-fromRegistry"]');
    await page.fill('[data-testid="base-card"] input[data-field="ref"]', "python:3.12-alpine");
    await page.check('[data-testid="base-card"] input[data-field="prebuilt"]');
    await settled(page);
    const registry = Image.fromRegistry("python:3.12-alpine", { prebuilt: true });
    assert.equal((await hashes(page)).definition, Image.fromSpec({ ...image.toSpec(), base: registry.toSpec().base }).definitionHash());
    await addFiles(page, { "docker/Dockerfile": "RUN echo fragment\n" });
    await page.click('[data-testid="base-fromDockerfile"]');
    await page.fill('[data-testid="base-card"] input[data-field="path"]', "docker/Dockerfile");
    await page.fill('[data-testid="base-card"] input[data-field="contextDir"]', ".");
    await page.fill('[data-testid="base-card"] input[data-field="base"]', "python:3.13-slim");
    await settled(page);
    const fromDockerfile = Image.fromSpec({ ...image.toSpec(), base: Image.fromDockerfile("docker/Dockerfile", { contextDir: ".", base: "python:3.13-slim" }).toSpec().base });
    const resolved = await fromDockerfile.resolve(memoryHost({ ...files, "docker/Dockerfile": "RUN echo fragment\n" }));
    assert.equal(await previewText(page), resolved.dockerfile);
    assert.equal((await hashes(page)).image, resolved.imageHash);
    assert.deepEqual(errors, []);
    await context.close();
  });

  test("edit the TypeScript view: the form view follows, and the form edits the code", async () => {
    const { page, context, errors } = await env.page();
    await setCode(page, `Image.fromRegistry("ubuntu:24.04", { prebuilt: false })\n  .aptInstall(["python3"])\n  .env({ A: "1" })`);
    await page.click('[data-testid="tab-steps"]');
    assert.equal(await page.locator('[data-testid="base-fromRegistry"]').getAttribute("aria-checked"), "true");
    assert.equal(await page.inputValue('[data-testid="base-card"] input[data-field="ref"]'), "ubuntu:24.04");
    assert.deepEqual(await cards(page).evaluateAll((els) => els.map((e) => e.dataset.op)), ["aptInstall", "env"]);
    assert.equal(await cards(page).nth(0).locator('input[data-row="0"]').inputValue(), "python3");
    assert.equal(await previewText(page), Image.fromRegistry("ubuntu:24.04").aptInstall(["python3"]).env({ A: "1" }).dockerfile());

    // Typing inside the code changes one field: line 2 is `  .aptInstall(["python3"])`.
    await page.click('[data-testid="tab-code"]');
    await page.click(".cm-content");
    await page.keyboard.press("Control+Home");
    await page.keyboard.press("ArrowDown");
    await page.keyboard.press("End");
    for (let i = 0; i < 3; i++) await page.keyboard.press("ArrowLeft");
    await page.keyboard.type("-venv");
    await settled(page);
    await page.click('[data-testid="tab-steps"]');
    assert.equal(await cards(page).nth(0).locator('input[data-row="0"]').inputValue(), "python3-venv");

    // And the other way: a form edit rewrites the code.
    await cards(page).nth(1).locator("input.key").first().fill("MODE");
    await settled(page);
    const { code } = await state(page);
    assert.match(code, /\.env\(\{ MODE: "1" \}\)/);
    assert.match(code, /"python3-venv"/);
    assert.equal(await previewText(page), Image.fromRegistry("ubuntu:24.04").aptInstall(["python3-venv"]).env({ MODE: "1" }).dockerfile());
    await page.click('[data-testid="tab-code"]');
    await shot(page, "typescript-light");
    assert.deepEqual(errors, []);
    await context.close();
  });

  test("a bad input shows its error at the right place, and the rest keeps working", async () => {
    const { page, context, errors } = await env.page({ colorScheme: "dark" });
    await newImage(page);
    await addStep(page, "aptInstall");
    await page.keyboard.type("git");
    await addStep(page, "pipInstall");
    await page.keyboard.type("numpy");
    await page.keyboard.press("Enter");
    await page.keyboard.type("-e .");
    await addStep(page, "withDockerfile");
    await page.keyboard.type("RUN echo ok\nFROM busybox");
    await settled(page);

    // The pip card: the second row is marked, with the code and message under the field.
    const pip = cards(page).nth(1);
    assert.equal(await pip.locator('input[data-row="1"]').getAttribute("aria-invalid"), "true");
    assert.equal(await pip.locator('input[data-row="0"]').getAttribute("aria-invalid"), null);
    assert.match(await pip.locator('.field[data-key="packages"] .field-error').innerText(), /INVALID_PACKAGE[\s\S]*starts with '-'/);
    assert.equal(await pip.locator('[data-testid="badge"]').innerText(), "INVALID_PACKAGE");
    // The fragment: FROM on line 2, column 1.
    const frag = cards(page).nth(2);
    assert.match(await frag.locator(".field-error").innerText(), /FORBIDDEN_INSTRUCTION\s+line 2, column 1/);
    // The rest of the image still renders, and says what it leaves out.
    assert.match(await page.locator('[data-testid="partial-banner"]').innerText(), /2 calls fail/);
    assert.equal(await previewText(page), Image.debianSlim({ pythonVersion: "3.12" }).aptInstall("git").dockerfile());
    assert.equal((await hashes(page)).definition, Image.debianSlim({ pythonVersion: "3.12" }).aptInstall("git").definitionHash());
    assert.equal(await cards(page).nth(0).locator('[data-testid="badge"]').count(), 0);
    await frag.scrollIntoViewIfNeeded();
    await shot(page, "errors-dark");

    // Fixing them brings everything back.
    await pip.locator('input[data-row="1"]').fill("pandas");
    await frag.locator("textarea").fill("RUN echo ok\nEXPOSE 80");
    await settled(page);
    assert.equal(await page.locator('[data-testid="partial-banner"]').innerText(), "");
    const fixed = Image.debianSlim({ pythonVersion: "3.12" }).aptInstall("git").pipInstall(["numpy", "pandas"]).withDockerfile("RUN echo ok\nEXPOSE 80");
    assert.equal(await previewText(page), fixed.dockerfile());

    // In the code view: an identifier is not a literal. The error points at it, the forms keep
    // the last good version, and nothing is evaluated.
    await page.evaluate(() => (window.__evaluated = false));
    const good = (await state(page)).code;
    await setCode(page, good.replace('.aptInstall(["git"])', ".aptInstall(pkgs)").replace('"numpy"', '(() => { window.__evaluated = true; return "x" })()'));
    const banner = await page.locator('[data-testid="code-banner"]').innerText();
    assert.match(banner, /TS_NOT_LITERAL|TS_SYNTAX/);
    assert.match(banner, /line 4, column 15/);
    assert.equal(await page.locator(".cm-lintRange-error").first().innerText(), "pkgs");
    assert.equal(await page.evaluate(() => window.__evaluated), false);
    assert.equal(await previewText(page), fixed.dockerfile(), "the preview keeps the last version");
    assert.equal(await page.evaluate(() => window.apothicConsole.model.steps.length), 3);

    // A package error on the code: the underline covers exactly the offending property.
    await setCode(page, `Image.debianSlim()\n  .env({ OK: "1", "A B": "x" })\n  .aptInstall("git")`);
    assert.equal(await page.locator(".cm-lintRange-error").innerText(), '"A B": "x"');
    await page.click('[data-testid="tab-steps"]');
    const envCard = cards(page).nth(0);
    assert.equal(await envCard.locator(".row.invalid input.key").inputValue(), "A B");
    assert.match(await envCard.locator(".field-error").innerText(), /INVALID_ENV_KEY/);
    assert.equal(await previewText(page), Image.debianSlim().aptInstall("git").dockerfile());

    // A file error: the .env line is named on the step and on the file.
    await setCode(page, `Image.debianSlim().envFile(".env")`);
    await addFiles(page, { ".env": "OK=1\nthis is not dotenv\n" });
    await page.click('[data-testid="tab-steps"]');
    const envFile = cards(page).nth(0);
    assert.match(await envFile.locator(".field-error").innerText(), /DOTENV_SYNTAX\s+\.env:2:1/);
    assert.match(await page.locator('[data-testid="file-tree"] [data-path=".env"]').innerText(), /DOTENV_SYNTAX/);
    assert.match(await page.locator('[data-testid="resolve-error"]').innerText(), /step 1, \.env:2/);
    // The link opens the file at the line.
    await envFile.locator(".field-error button.link").click();
    assert.equal(await page.locator('[data-testid="file-text"]').evaluate((t) => t.value.slice(t.selectionStart, t.selectionEnd)), "this is not dotenv");
    await page.locator('[data-testid="file-text"]').fill("OK=1\nFIXED=yes\n");
    await settled(page);
    assert.equal(await envFile.locator(".field-error").innerText(), "");
    assert.equal((await hashes(page)).image, (await Image.debianSlim().envFile(".env").resolve(memoryHost({ ".env": "OK=1\nFIXED=yes\n" }))).imageHash);
    assert.deepEqual(errors, []);
    await context.close();
  });

  test("resolution with dropped files and folders, and an opened folder", async () => {
    const { page, context, errors } = await env.page({ colorScheme: "dark" });
    const files = project();

    // Drop three files on the page (a real DataTransfer, as a drag from the desktop makes).
    await dropFiles(page, { "requirements.txt": files["requirements.txt"], "pyproject.toml": files["pyproject.toml"], ".env": files[".env"] });
    await settled(page);
    assert.deepEqual(await treePaths(page), [".env", "pyproject.toml", "requirements.txt"]);

    // Drop a real folder from disk (Chromium's own drag, through the DevTools protocol): read
    // through webkitGetAsEntry, its contents become the root, .git is skipped.
    const rest = Object.fromEntries(Object.entries(files).filter(([p]) => p.includes("/")));
    const dir = tempDir();
    writeTree(join(dir, "proj"), { ...rest, ".git/HEAD": "ref: refs/heads/main\n" });
    const cdp = await context.newCDPSession(page);
    const drag = { items: [], files: [join(dir, "proj")], dragOperationsMask: 1 };
    for (const type of ["dragEnter", "dragOver", "drop"]) await cdp.send("Input.dispatchDragEvent", { type, x: 700, y: 400, data: drag });
    await page.waitForFunction((n) => document.querySelectorAll('[data-testid="file-tree"] .node.file').length === n, Object.keys(files).length);
    assert.deepEqual(await treePaths(page), Object.keys(files).sort());
    // Make the script executable (its mode is part of the hash).
    await page.click('[data-path="bin/run.sh"] .mode');
    await setCode(page, CHAIN);

    const host = memoryHost(files, { modes: { "bin/run.sh": 0o755 } });
    const want = await chainImage().resolve(host);
    const h = await hashes(page);
    assert.equal(h.image, want.imageHash);
    assert.equal(h.spec, want.specHash);
    assert.equal(h.definition, chainImage().definitionHash());
    assert.equal(await previewText(page), want.dockerfile);
    const context_ = await page.$$eval('[data-testid="context"] tr[data-path]', (rows) => rows.map((r) => r.dataset.path));
    assert.deepEqual(context_, want.context.map((f) => f.path));
    assert.equal(await page.locator('[data-testid="plan-mode"]').innerText(), want.plan.mode);
    assert.match(await page.locator('[data-testid="mounts"]').innerText(), /\/data\/seed\.csv/);
    await page.click('[data-testid="tab-steps"]');
    await shot(page, "resolution-dark");

    // The downloaded Dockerfile and context tar are the package's, byte for byte.
    const dockerfile = await download(page, '[data-testid="download-dockerfile"]');
    assert.equal(dockerfile.toString("utf8"), want.dockerfile);
    const tar = await download(page, '[data-testid="download-context"]');
    const expected = await chainImage().buildContext(memoryHost(files, { modes: { "bin/run.sh": 0o755 } }));
    assert.ok(tar.equals(Buffer.from(expected)), `context.tar differs (${tar.length} vs ${expected.length} bytes)`);

    // Diagnostics (warnings) sit on the step they concern, and in the resolution panel.
    await addFiles(page, { "empty.toml": "[project]\nname = 'x'\nversion = '1'\n" });
    await setCode(page, CHAIN.replace(".workdir(", '.pipInstallFromPyproject("empty.toml")\n  .workdir('));
    await page.click('[data-testid="tab-steps"]');
    const pyproject = cards(page).nth(5);
    assert.equal(await pyproject.getAttribute("data-op"), "pipInstallFromPyproject");
    assert.equal(await pyproject.locator('[data-testid="badge"]').innerText(), "NO_DEPENDENCIES");
    assert.match(await pyproject.locator(".problem.warning").innerText(), /NO_DEPENDENCIES[\s\S]*lists no dependencies/);
    assert.match(await page.locator('[data-testid="diagnostics"]').innerText(), /NO_DEPENDENCIES\s+step 6/);
    assert.equal(await page.locator('[data-testid="partial-banner"]').innerText(), "", "a warning does not leave the step out");

    // "Open folder": the File System Access API where the browser has it (a stand-in handle tree
    // here, since a headless browser shows no picker) …
    const viaPicker = await env.page();
    await viaPicker.page.evaluate((tree) => {
      const dir = (name, entries) => ({
        kind: "directory",
        name,
        async *values() {
          for (const e of entries) yield e;
        },
      });
      const build = (name, obj) => dir(name, Object.entries(obj).map(([k, v]) => (typeof v === "string" ? { kind: "file", name: k, getFile: async () => new File([v], k) } : build(k, v))));
      const nested = { ".git": { HEAD: "ref: main\n" } };
      for (const [path, text] of Object.entries(tree)) {
        const parts = path.split("/");
        let o = nested;
        for (const p of parts.slice(0, -1)) o = o[p] ??= {};
        o[parts.at(-1)] = text;
      }
      window.showDirectoryPicker = async () => build("project", nested);
    }, files);
    await viaPicker.page.click('[data-testid="open-folder"]');
    await viaPicker.page.waitForFunction((n) => document.querySelectorAll('[data-testid="file-tree"] .node.file').length === n, Object.keys(files).length);
    assert.deepEqual(await treePaths(viaPicker.page), Object.keys(files).sort());
    await viaPicker.context.close();

    // … and a folder <input> where it has not.
    try {
      writeTree(join(dir, "all"), files);
      const viaInput = await env.page();
      await viaInput.page.setInputFiles('[data-testid="folder-input"]', join(dir, "all"));
      await viaInput.page.waitForFunction((n) => document.querySelectorAll('[data-testid="file-tree"] .node.file').length === n, Object.keys(files).length);
      assert.deepEqual(await treePaths(viaInput.page), Object.keys(files).sort());
      await viaInput.context.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    assert.deepEqual(errors, []);
    await context.close();
  });

  test("import a Dockerfile, share the spec by URL, open the link", async () => {
    const { page, context, errors } = await env.page();
    await newImage(page);
    const dockerfile = "FROM python:3.12-slim\nWORKDIR /srv\nCOPY app.py /srv/\n";
    await addFiles(page, { "app.py": "print('hi')\n" });
    await page.setInputFiles('[data-testid="import-dockerfile-input"]', { name: "Dockerfile", mimeType: "text/plain", buffer: Buffer.from(dockerfile) });
    await settled(page);
    await addStep(page, "pipInstall");
    await page.keyboard.type("requests");
    await settled(page);
    assert.equal(await page.locator('[data-testid="base-fromDockerfile"]').getAttribute("aria-checked"), "true");
    const image = Image.fromDockerfile("Dockerfile").pipInstall("requests");
    const want = await image.resolve(memoryHost({ Dockerfile: dockerfile, "app.py": "print('hi')\n" }));
    assert.equal(await previewText(page), want.dockerfile);
    assert.equal((await hashes(page)).image, want.imageHash);

    // Share: the link carries the spec; a new tab opens it with the same definition.
    await page.click('[data-testid="share"]');
    const url = await page.inputValue('[data-testid="share-url"]');
    assert.match(url, /#spec=/);
    await shot(page, "share-light");
    // Someone else (another browser profile: no files of ours) opens the link.
    const { page: other, context: otherContext } = await env.page({ hash: url.slice(url.indexOf("#")) });
    await settled(other);
    assert.equal((await hashes(other)).definition, image.definitionHash());
    assert.deepEqual(
      await other.evaluate(() => window.apothicConsole.evaluation.spec),
      image.toSpec(),
    );
    assert.equal(await other.locator('[data-testid="base-card"] input[data-field="path"]').inputValue(), "Dockerfile");
    // The files are small, so they travel with the link: the other browser resolves the author's image.
    assert.equal((await hashes(other)).image, want.imageHash);
    assert.doesNotMatch(await other.locator('[data-testid="base-card"]').innerText(), /HOST_CALLBACK_FAILED|FILE_NOT_FOUND/);

    await otherContext.close();

    await page.keyboard.press("Escape");
    assert.equal(await page.locator('[data-testid="share-popover"]').count(), 0);
    // Import a spec file (Spec JSON tab → Import): forms, code and hash follow; a bad one is refused.
    const imported = Image.fromRegistry("python:3.12-alpine").runCommands("echo hi").env({ Z: "1" });
    await page.click('[data-testid="tab-spec"]');
    await page.setInputFiles('[data-testid="import-spec-input"]', { name: "image.spec.json", mimeType: "application/json", buffer: Buffer.from(JSON.stringify(imported.toSpec())) });
    await page.waitForFunction((hash) => document.querySelector('[data-testid="hash-definition"]').dataset.hash === hash, imported.definitionHash());
    assert.deepEqual(await cards(page).evaluateAll((els) => els.map((e) => e.dataset.op)), ["runCommands", "env"]);
    assert.match((await state(page)).code, /Image\.fromRegistry\("python:3\.12-alpine"\)/);
    await page.setInputFiles('[data-testid="import-spec-input"]', { name: "bad.json", mimeType: "application/json", buffer: Buffer.from('{"version":1,"base":{"op":"debianSlim","pythonVersion":"2.7"},"steps":[]}') });
    await page.waitForSelector(".toast.error");
    assert.match(await page.locator(".toast.error").last().innerText(), /INVALID_/);
    assert.equal((await hashes(page)).definition, imported.definitionHash(), "a refused spec changes nothing");
    // A damaged link is an error message, and the page still works.
    const { page: broken, context: brokenContext } = await env.page({ hash: "#spec=z.AAAA" });
    assert.match(await broken.locator(".toast.error").first().innerText(), /link/);
    await broken.click('[data-testid="new-image"]');
    await settled(broken);
    assert.equal((await hashes(broken)).definition, Image.debianSlim({ pythonVersion: "3.12" }).definitionHash());
    await brokenContext.close();
    assert.deepEqual(errors, []);
    await context.close();
  });

  test("keyboard: add, move and delete steps; views, help and theme; dragging steps", async () => {
    const { page, context, errors } = await env.page();
    await newImage(page);
    await page.locator("body").focus();
    await page.keyboard.press("Escape");
    await page.evaluate(() => document.activeElement?.blur());
    await page.keyboard.press("a");
    assert.equal(await page.evaluate(() => document.activeElement?.dataset.testid), "add-step-kind");
    await page.selectOption('[data-testid="add-step-kind"]', "workdir");
    await page.keyboard.press("Enter");
    await page.keyboard.type("/srv");
    await page.evaluate(() => document.activeElement?.blur());
    await page.keyboard.press("a");
    await page.selectOption('[data-testid="add-step-kind"]', "aptInstall");
    await page.keyboard.press("Enter");
    await page.keyboard.type("git");
    await page.keyboard.press("Alt+ArrowUp");
    await settled(page);
    assert.deepEqual(await cards(page).evaluateAll((els) => els.map((e) => e.dataset.op)), ["aptInstall", "workdir"]);
    // The mouse too: drag a step's header above another, and back.
    for (const want of [["workdir", "aptInstall"], ["aptInstall", "workdir"]]) {
      await cards(page).nth(1).locator(".card-head").dragTo(cards(page).nth(0), { targetPosition: { x: 40, y: 4 } });
      await settled(page);
      assert.deepEqual(await cards(page).evaluateAll((els) => els.map((e) => e.dataset.op)), want);
    }
    await cards(page).nth(1).locator(".card-head").focus();
    await page.keyboard.press("Delete");
    await settled(page);
    assert.deepEqual(await cards(page).evaluateAll((els) => els.map((e) => e.dataset.op)), ["aptInstall"]);
    assert.equal(await previewText(page), Image.debianSlim({ pythonVersion: "3.12" }).aptInstall("git").dockerfile());
    await page.evaluate(() => document.activeElement?.blur());
    await page.keyboard.press("j");
    assert.equal(await page.locator('[data-testid="tab-spec"]').getAttribute("aria-selected"), "true");
    await page.keyboard.press("2");
    await page.waitForFunction(() => document.activeElement?.closest(".cm-editor") !== null);
    await page.keyboard.press("Escape");
    await page.evaluate(() => document.activeElement?.blur());
    await page.keyboard.press("?");
    assert.ok(await page.locator("dialog[open]").isVisible());
    await page.keyboard.press("Escape");
    // The theme button cycles system → light → dark → system.
    const theme = () => page.evaluate(() => document.documentElement.dataset.theme ?? "auto");
    assert.equal(await theme(), "auto");
    await page.click('[data-testid="theme"]');
    assert.equal(await theme(), "light");
    await page.click('[data-testid="theme"]');
    assert.equal(await theme(), "dark");
    await page.reload();
    assert.equal(await theme(), "dark", "the choice is kept");
    await page.click('[data-testid="theme"]');
    assert.equal(await theme(), "auto");
    assert.deepEqual(errors, []);
    await context.close();
  });

  test("typing stays responsive while a large folder resolves", async () => {
    const { page, context, errors } = await env.page();
    await newImage(page);
    // 40 MiB in 200 files: hashed in the worker on every edit that changes the files.
    await page.evaluate(() => {
      window.__longTasks = [];
      new PerformanceObserver((list) => window.__longTasks.push(...list.getEntries().map((e) => e.duration))).observe({ type: "longtask", buffered: false });
    });
    await page.evaluate(() => {
      const dt = new DataTransfer();
      const chunk = new Uint8Array(200 * 1024).map((_, i) => i * 7);
      for (let i = 0; i < 200; i++) dt.items.add(new File([chunk, String(i)], `blob-${String(i).padStart(3, "0")}.bin`));
      document.dispatchEvent(new DragEvent("drop", { dataTransfer: dt, bubbles: true, cancelable: true }));
    });
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="file-tree"] .node.file').length === 200);
    await setCode(page, `Image.debianSlim().copyLocalDir(".", "/data")`);
    await page.evaluate(() => (window.__longTasks = []));
    await page.click('[data-testid="tab-code"]');
    await page.click(".cm-content");
    await page.keyboard.press("Control+End");
    await page.keyboard.type('\n  .env({ TYPED: "while resolving" })', { delay: 5 });
    await settled(page);
    const longest = await page.evaluate(() => Math.max(0, ...window.__longTasks));
    assert.ok(longest < 250, `a main-thread task took ${longest} ms while typing`);
    assert.equal(await page.locator('[data-testid="context"] tr[data-path]').count(), 200);
    assert.deepEqual(errors, []);
    await context.close();
  });

  test("screenshots: the example project, light and dark", async () => {
    for (const scheme of ["light", "dark"]) {
      const { page, context, errors } = await env.page({ colorScheme: scheme });
      await page.click('[data-testid="example"]');
      await settled(page);
      // One edit, so the changed layers are marked.
      await cards(page).nth(0).locator('input[data-row="1"]').fill("wget");
      await settled(page);
      await page.mouse.move(0, 0);
      await shot(page, `console-${scheme}`);
      assert.deepEqual(errors, []);
      await context.close();
    }
  });
});

// --- file helpers -----------------------------------------------------------------------------------

async function treePaths(page) {
  return page.$$eval('[data-testid="file-tree"] .node.file', (rows) => rows.map((r) => r.dataset.path).sort());
}

/** Drops files on the page with a DataTransfer, as a drag from the file manager does. */
async function dropFiles(page, files) {
  await page.evaluate((entries) => {
    const dt = new DataTransfer();
    for (const [name, text] of entries) dt.items.add(new File([text], name));
    for (const type of ["dragenter", "dragover", "drop"]) document.dispatchEvent(new DragEvent(type, { dataTransfer: dt, bubbles: true, cancelable: true }));
  }, Object.entries(files));
}

/** Adds files through the "Add files" input. */
async function addFiles(page, files) {
  await page.setInputFiles(
    '[data-testid="files-input"]',
    Object.entries(files).map(([name, text]) => ({ name, mimeType: "text/plain", buffer: Buffer.from(text) })),
  );
  await page.waitForFunction((names) => names.every((n) => document.querySelector(`[data-testid="file-tree"] [data-path="${n}"]`)), Object.keys(files));
  await settled(page);
}

async function download(page, selector) {
  const [dl] = await Promise.all([page.waitForEvent("download"), page.click(selector)]);
  const path = await dl.path();
  return readFileSync(path);
}
