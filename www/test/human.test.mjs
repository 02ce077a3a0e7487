// The console used at human pace in headless Chromium: real key events 80–150 ms apart, with a
// pause longer than the evaluation debounce in the middle of a word, so every evaluation lands
// while someone is typing. Each test is a way real work broke (issue #20): focus lost at a pause,
// a copy that was not the image, an output blanked by one failed lookup, starter steps added to an
// imported Dockerfile, a lost executable bit, a delete without undo.

import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { after, before, describe, test } from "node:test";
import { setCode, settled, shot, start } from "./browser.mjs";

let env;
before(async () => {
  env = await start();
});
after(async () => {
  await env?.close();
});

/** The Dockerfile view's Copy button. */
const COPY_DOCKERFILE = '#output-dockerfile .tool-row button:has-text("Copy")';

/** Longer than the console's debounces (140 ms code, 120 ms files) plus an evaluation. */
const PAUSE = 600;

/** Types `text` into the focused element as a person does: one key at a time, 80–150 ms apart. */
async function typeHuman(page, text) {
  for (let i = 0; i < text.length; i++) {
    await page.keyboard.type(text[i]);
    await page.waitForTimeout(80 + ((i * 37) % 71));
  }
}

/** Types `a`, pauses past an evaluation, then types `b` (a pause in the middle of a word). */
async function typeWithPause(page, a, b) {
  await typeHuman(page, a);
  await page.waitForTimeout(PAUSE);
  await typeHuman(page, b);
}

/** Marks the focused element so that a test can tell whether it is still the same one. */
async function markFocused(page) {
  await page.evaluate(() => {
    document.activeElement.dataset.humanMark = "1";
  });
}

async function focusedIsMarked(page) {
  return page.evaluate(() => document.activeElement?.dataset.humanMark === "1");
}

async function loadExample(page) {
  await page.click('[data-testid="example"]');
  await page.waitForFunction(() => window.apothicConsole.evaluation?.resolution?.context.length > 0);
  await settled(page);
}

async function toastTexts(page) {
  return page.$$eval(".toast", (els) => els.map((e) => e.textContent));
}

async function clipboard(page) {
  return page.evaluate(() => navigator.clipboard.readText());
}

async function download(page, selector) {
  const [dl] = await Promise.all([page.waitForEvent("download"), page.click(selector)]);
  return readFileSync(await dl.path(), "utf8");
}

describe("the console at human pace", () => {
  test("typing in a file of the files panel keeps focus across evaluations; Ctrl+Z undoes that file only", async () => {
    const { page, context, errors } = await env.page();
    await page.click('[data-testid="python-path"]');
    await typeHuman(page, "src");
    page.removeAllListeners("dialog");
    page.on("dialog", (d) => d.accept(d.type() === "prompt" ? "flags.env" : undefined));
    await page.click('[data-testid="new-file"]');
    await page.waitForSelector('[data-testid="file-text"]');
    await page.click('[data-testid="file-text"]');
    await markFocused(page);
    await typeWithPause(page, "NEW_", "FLAG=on");
    await settled(page);
    assert.equal(await page.inputValue('[data-testid="file-text"]'), "NEW_FLAG=on");
    assert.ok(await focusedIsMarked(page), "the same text box still has focus");
    assert.equal(await page.$$eval(".popover", (p) => p.length), 0, "no shortcut fired (Share)");

    await page.keyboard.press("Control+Z");
    await settled(page);
    const undone = await page.inputValue('[data-testid="file-text"]');
    assert.notEqual(undone, "NEW_FLAG=on", "Ctrl+Z undid the typing in the file");
    assert.ok("NEW_FLAG=on".startsWith(undone), `undo went back in this file's history: ${JSON.stringify(undone)}`);
    assert.equal(await page.inputValue('[data-testid="python-path"]'), "src", "the Python path is untouched");
    assert.ok(await focusedIsMarked(page));

    // The Python path field itself, paused mid-word, keeps its focus too.
    await page.click('[data-testid="python-path"]');
    await markFocused(page);
    await page.keyboard.press("End");
    await typeWithPause(page, ", li", "b");
    await settled(page);
    assert.equal(await page.inputValue('[data-testid="python-path"]'), "src, lib");
    assert.ok(await focusedIsMarked(page));
    assert.deepEqual(errors, []);
    await context.close();
  });

  test("the Python path placeholder reads as an example, not as a value", async () => {
    const { page, context } = await env.page();
    const placeholder = await page.getAttribute('[data-testid="python-path"]', "placeholder");
    assert.match(placeholder, /^none \(e\.g\. /);
    const style = await page.$eval('[data-testid="python-path"]', (el) => getComputedStyle(el, "::placeholder").fontStyle);
    assert.equal(style, "italic");
    await context.close();
  });

  test("Copy copies exactly what Download gives, or refuses with Download's reason", async () => {
    const { page, context, errors } = await env.page();
    // The whole image resolves: Copy and Download give the same bytes.
    const downloaded = await download(page, '[data-testid="download-dockerfile"]');
    await page.click(COPY_DOCKERFILE);
    await page.waitForFunction(() => [...document.querySelectorAll(".toast")].some((t) => t.textContent === "Dockerfile copied"));
    assert.equal(await clipboard(page), downloaded);

    // A failing base (Python 3.9 is not offered): Download refuses, and Copy refuses the same way
    // instead of copying a Dockerfile with a substituted base.
    const field = page.locator('[data-testid="base-card"] input[data-field="pythonVersion"]');
    await field.click();
    await field.press("Control+A");
    await typeWithPause(page, "3.", "9");
    await settled(page);
    assert.ok(hasBaseError(await page.evaluate(() => window.apothicConsole.evaluation)), "Python 3.9 fails as a base");
    await page.evaluate(() => navigator.clipboard.writeText("sentinel"));
    await page.evaluate(() => document.querySelector(".toasts").replaceChildren());
    await page.click('[data-testid="download-dockerfile"]');
    const [downloadReason] = await toastTexts(page);
    await page.evaluate(() => document.querySelector(".toasts").replaceChildren());
    await page.click(COPY_DOCKERFILE);
    await page.waitForTimeout(100);
    assert.deepEqual(await toastTexts(page), [downloadReason]);
    assert.equal(await clipboard(page), "sentinel", "nothing was copied");

    // Resolution fails and there is no Dockerfile at all: never "copied" for an empty text.
    await page.click('[data-testid="tab-code"]');
    await page.click(".cm-content");
    await page.keyboard.press("Control+A");
    await page.keyboard.insertText(`import { Image } from "@apothic/image";\n\nexport const image = Image.debianSlim().pipInstallFromRequirements("requirements.txt");\n`);
    await settled(page);
    await page.evaluate(() => document.querySelector(".toasts").replaceChildren());
    await page.click(COPY_DOCKERFILE);
    await page.waitForTimeout(100);
    const texts = await toastTexts(page);
    assert.equal(texts.length, 1);
    assert.doesNotMatch(texts[0], /copied/);
    assert.equal(await clipboard(page), "sentinel");
    assert.deepEqual(errors, []);
    await context.close();
  });

  test("a failed lookup keeps the last Dockerfile, hashes and layers, marked stale, with the error in plain words", async () => {
    const { page, context, errors } = await env.page();
    await loadExample(page);
    const before = await page.evaluate(() => ({
      dockerfile: window.apothicConsole.evaluation.dockerfile,
      image: document.querySelector('[data-testid="hash-image"]').dataset.hash,
      layers: document.querySelectorAll('[data-testid="layers"] tr.layer-row').length,
    }));
    assert.ok(before.layers > 5);

    // Half-typed path: "requirements.tx" is not a file (yet).
    const card = page.locator('[data-testid="step-card"]').nth(1);
    const input = card.locator('input[data-field="path"]');
    await input.click();
    await markFocused(page);
    await page.keyboard.press("End");
    await page.keyboard.press("Backspace");
    await page.waitForTimeout(PAUSE);
    await settled(page);

    const shown = await page.evaluate(() => ({
      lines: [...document.querySelectorAll('[data-testid="dockerfile"] .line .lc')].map((e) => e.textContent).join("\n") + "\n",
      stale: document.querySelector('[data-testid="dockerfile"]').classList.contains("stale"),
      note: document.querySelector('[data-testid="dockerfile-note"]').textContent,
      image: document.querySelector('[data-testid="hash-image"]').dataset.hash,
      imageStale: document.querySelector('[data-testid="hash-image"]').classList.contains("stale"),
      layers: document.querySelectorAll('[data-testid="layers"] tr.layer-row').length,
      layersStale: !!document.querySelector('[data-testid="layers-stale"]'),
      card: document.querySelectorAll('[data-testid="step-card"]')[1].textContent,
      banner: document.querySelector('[data-testid="resolve-error"]')?.textContent ?? "",
    }));
    assert.equal(shown.lines, before.dockerfile, "the last resolved Dockerfile is still shown");
    assert.ok(shown.stale, "marked stale");
    assert.match(shown.note, /stale/);
    assert.equal(shown.image, before.image);
    assert.ok(shown.imageStale);
    assert.equal(shown.layers, before.layers);
    assert.ok(shown.layersStale);
    for (const text of [shown.card, shown.banner]) {
      assert.match(text, /"requirements\.tx" does not exist: it is not in the files panel/);
      assert.doesNotMatch(text, /memoryHost|host\.realPath|rejected/);
    }
    assert.ok(await focusedIsMarked(page), "the field keeps focus");

    // Typing the last letter back resolves again: nothing is stale.
    await typeHuman(page, "t");
    await settled(page);
    assert.equal(await page.evaluate(() => document.querySelector('[data-testid="dockerfile"]').classList.contains("stale")), false);
    assert.equal(await page.evaluate(() => document.querySelector('[data-testid="hash-image"]').classList.contains("stale")), false);
    assert.deepEqual(errors, []);
    await context.close();
  });

  test("Import Dockerfile and Use as base start from the Dockerfile alone (no starter steps)", async () => {
    const { page, context, errors } = await env.page();
    assert.ok((await page.evaluate(() => window.apothicConsole.model.steps.length)) > 0, "the starter image has steps");
    const dockerfile = "FROM python:3.12-slim\nRUN echo mine\n";
    await page.setInputFiles('[data-testid="import-dockerfile-input"]', { name: "Dockerfile", mimeType: "text/plain", buffer: Buffer.from(dockerfile) });
    await page.waitForFunction(() => window.apothicConsole.model.base.op === "fromDockerfile");
    await settled(page);
    assert.equal(await page.evaluate(() => window.apothicConsole.model.steps.length), 0);
    const text = await page.evaluate(() => window.apothicConsole.evaluation.dockerfile);
    assert.doesNotMatch(text, /apt-get install|numpy|APP_ENV/);
    assert.match(text, /echo mine/);

    // The steps that were there are one click away, never silently added.
    await page.click('[data-testid="toast-action"]');
    await settled(page);
    assert.equal(await page.evaluate(() => window.apothicConsole.model.steps.length), 3);

    // "Use as base" on a Dockerfile of the files panel does the same.
    await page.click('[data-testid="file-tree"] [data-path="Dockerfile"] .name-btn');
    await page.click('[data-testid="use-as-base"]');
    await settled(page);
    assert.equal(await page.evaluate(() => window.apothicConsole.model.steps.length), 0);
    assert.doesNotMatch(await page.evaluate(() => window.apothicConsole.evaluation.dockerfile), /apt-get install|numpy|APP_ENV/);
    assert.deepEqual(errors, []);
    await context.close();
  });

  test("dropped scripts: the lost executable bit is announced, the toggle is labelled, a delete can be undone", async () => {
    const { page, context, errors } = await env.page();
    await page.setInputFiles('[data-testid="files-input"]', [
      { name: "entrypoint.sh", mimeType: "text/plain", buffer: Buffer.from("#!/bin/sh\nexec python -m app\n") },
      { name: "requirements.txt", mimeType: "text/plain", buffer: Buffer.from("numpy\n") },
    ]);
    await page.waitForSelector('[data-path="entrypoint.sh"]');
    const toasts = (await toastTexts(page)).join("\n");
    assert.match(toasts, /entrypoint\.sh arrived as 644/);
    assert.doesNotMatch(toasts, /requirements\.txt arrived/);

    // The toggle is a labelled checkbox, and the delete button is not next to it.
    const row = page.locator('[data-path="entrypoint.sh"]');
    const toggle = row.getByLabel("executable");
    assert.equal(await toggle.getAttribute("type"), "checkbox");
    const remove = row.getByRole("button", { name: "Remove entrypoint.sh" });
    const [t, r] = [await toggle.boundingBox(), await remove.boundingBox()];
    assert.ok(r.x - (t.x + t.width) >= 24, `toggle and delete are apart (${r.x - (t.x + t.width)} px)`);
    await toggle.check();
    await settled(page);
    assert.equal(await page.evaluate(() => window.apothicConsole.evaluation && 1), 1);

    // Delete, then Undo: the file and its mode come back.
    await remove.click();
    await page.waitForSelector('[data-path="entrypoint.sh"]', { state: "detached" });
    await page.click('[data-testid="toast-action"]');
    await page.waitForSelector('[data-path="entrypoint.sh"]');
    assert.ok(await page.locator('[data-path="entrypoint.sh"]').getByLabel("executable").isChecked());
    assert.deepEqual(errors, []);
    await context.close();
  });
});

/** Whether the evaluation's base failed (and so the preview substitutes one). */
function hasBaseError(ev) {
  return !!ev?.baseError;
}

/** Opens `url` in another tab of `context` (the same browser profile: the same saved work). */
async function openTab(context, url) {
  const page = await context.newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(`pageerror: ${e.message}`));
  page.on("dialog", (d) => d.accept());
  await page.goto(url);
  await page.waitForFunction(() => window.apothicConsole?.evaluation !== null && window.apothicConsole?.settled);
  return { page, errors };
}


/** Clicks Share and returns the link. */
async function shareLink(page) {
  await page.click('[data-testid="share"]');
  const url = await page.inputValue('[data-testid="share-url"]');
  await page.keyboard.press("Escape");
  return url;
}

const shown = (page) =>
  page.evaluate(() => ({
    dockerfile: [...document.querySelectorAll('[data-testid="dockerfile"] .line .lc')].map((e) => e.textContent).join("\n") + "\n",
    image: document.querySelector('[data-testid="hash-image"]').dataset.hash,
    resolveError: document.querySelectorAll('[data-testid="resolve-error"]').length,
    stepErrors: document.querySelectorAll('[data-testid="step-card"] .problem.error, [data-testid="base-card"] .problem.error').length,
    review: document.querySelector('[data-testid="review-banner"]')?.textContent ?? "",
    readOnly: document.querySelector('[data-testid="step-card"]')?.closest(".pane")?.inert ?? false,
  }));

describe("share links and review", () => {
  test("a link to an image that reads small files carries them and the Python path: the reviewer sees the author's result", async () => {
    const { page, context, errors } = await env.page();
    await loadExample(page);
    const author = await page.evaluate(() => ({ dockerfile: window.apothicConsole.evaluation.dockerfile, image: window.apothicConsole.evaluation.resolution.imageHash }));
    const url = await shareLink(page);
    await context.close();

    const { page: reviewer, context: rc, errors: re } = await env.page({ hash: url.slice(url.indexOf("#")) });
    await settled(reviewer);
    const view = await shown(reviewer);
    assert.equal(view.dockerfile, author.dockerfile);
    assert.equal(view.image, author.image);
    assert.equal(view.resolveError, 0);
    assert.equal(view.stepErrors, 0);
    assert.match(view.review, /Reviewing a shared image/);
    assert.match(view.review, /resolves it to the author's image hash/);
    assert.ok(view.readOnly, "the review is read-only");
    assert.equal(await reviewer.inputValue('[data-testid="python-path"]'), "src");
    assert.equal(await reviewer.locator('[data-testid="file-tree"] [data-path="scripts/entrypoint.sh"]').getByLabel("executable").isChecked(), true, "modes travel too");
    assert.deepEqual([...errors, ...re], []);
    await rc.close();
  });

  test("a link to an image whose files are too big carries the author's result; the reviewer's missing files are not shown as their error", async () => {
    const { page, context, errors } = await env.page();
    await loadExample(page);
    await page.setInputFiles('[data-testid="files-input"]', [{ name: "big.csv", mimeType: "text/plain", buffer: Buffer.from("x,y\n".repeat(6000)) }]);
    await page.waitForSelector('[data-path="big.csv"]');
    await settled(page);
    const author = await page.evaluate(() => ({
      dockerfile: window.apothicConsole.evaluation.dockerfile,
      image: window.apothicConsole.evaluation.resolution.imageHash,
      context: window.apothicConsole.evaluation.resolution.context.map((f) => f.path),
    }));
    await page.click('[data-testid="share"]');
    assert.match(await page.innerText('[data-testid="share-note"]'), /not the files \(10, .*over the 16 KiB a link carries\).*resolved Dockerfile, hashes and file list/);
    const url = await page.inputValue('[data-testid="share-url"]');
    await context.close();

    const { page: reviewer, context: rc, errors: re } = await env.page({ hash: url.slice(url.indexOf("#")) });
    await settled(reviewer);
    const view = await shown(reviewer);
    assert.equal(view.dockerfile, author.dockerfile, "the author's Dockerfile, not 'No Dockerfile yet'");
    assert.equal(view.image, author.image);
    assert.equal(view.resolveError, 0, "no resolution error of the reviewer's");
    assert.equal(view.stepErrors, 0);
    assert.match(view.review, /stayed with the author/);
    assert.deepEqual(await reviewer.$$eval('[data-testid="review-files"] tbody tr', (rows) => rows.map((r) => r.dataset.path)), author.context);
    assert.doesNotMatch(await reviewer.innerText("body"), /HOST_CALLBACK_FAILED|FILE_NOT_FOUND/);
    assert.equal(await reviewer.inputValue('[data-testid="python-path"]'), "src", "the Python path came with the link");
    await shot(reviewer, "review-light");

    // "Resolve with my files": the page is the reviewer's, editable, resolving against their files.
    await reviewer.click('[data-testid="resolve-with-mine"]');
    await settled(reviewer);
    const mine = await shown(reviewer);
    assert.equal(mine.review, "");
    assert.equal(mine.readOnly, false);
    assert.equal(mine.resolveError, 1, "now the missing files are the reviewer's to add");
    assert.deepEqual([...errors, ...re], []);
    await rc.close();
  });

  test("a link pasted into an open tab opens; a link in a new tab keeps the saved image to restore; the link stays in the address bar", async () => {
    // The author's link.
    const { page: a, context: ac } = await env.page();
    await setCode(a, `import { Image } from "@apothic/image";\n\nexport const image = Image.debianSlim({ pythonVersion: "3.13" }).env({ SHARED: "yes" });\n`);
    const url = await shareLink(a);
    const linkDef = await a.evaluate(() => window.apothicConsole.evaluation.definitionHash);
    await ac.close();

    // The reviewer's own work, saved in this browser.
    const { page, context, errors } = await env.page();
    const mine = `import { Image } from "@apothic/image";\n\nexport const image = Image.debianSlim({ pythonVersion: "3.12" }).env({ MINE: "1" });\n`;
    await setCode(page, mine);
    await page.waitForTimeout(PAUSE); // saved

    // Pasted into the open tab.
    const frag = url.slice(url.indexOf("#"));
    await page.evaluate((h) => {
      location.hash = h;
    }, frag);
    await page.waitForFunction((d) => window.apothicConsole.evaluation?.definitionHash === d, linkDef, { timeout: 5000 });
    await settled(page);
    assert.equal(await page.evaluate(() => location.hash), frag, "the link stays in the address bar");
    await page.click('[data-testid="restore-mine"]');
    await settled(page);
    assert.equal(await page.evaluate(() => window.apothicConsole.code), mine);
    assert.equal(await page.evaluate(() => location.hash), "");
    await page.waitForTimeout(PAUSE); // saved again

    // Opened in a new tab of the same browser: the saved image is not silently lost.
    const { page: tab, errors: tabErrors } = await openTab(context, url);
    assert.equal(await tab.evaluate(() => window.apothicConsole.evaluation.definitionHash), linkDef);
    assert.equal(await tab.evaluate(() => location.hash), frag);
    await tab.waitForTimeout(PAUSE);
    assert.equal(JSON.parse(await tab.evaluate(() => localStorage.getItem("apothic-console:before-link"))).code, mine, "what I had is kept");
    await tab.click('[data-testid="restore-mine"]');
    await settled(tab);
    assert.equal(await tab.evaluate(() => window.apothicConsole.code), mine);
    assert.deepEqual([...errors, ...tabErrors], []);
    await context.close();
  });
});

describe("form edits and the user's TypeScript", () => {
  const COMMENTED = `import { Image } from "@apothic/image";

// Our service image.
export const image = Image.debianSlim({ pythonVersion: "3.12" }) // pinned by ops
  // system tools
  .aptInstall(["git", /* for clones */ "curl"])
  .env({ APP_ENV: "production" }); // prod
`;

  test("typing in a form keeps the code's comments; code that does not parse is not replaced, and the page says so", async () => {
    const { page, context, errors } = await env.page();
    await setCode(page, COMMENTED);
    await page.click('[data-testid="tab-steps"]');
    const field = page.locator('[data-testid="base-card"] input[data-field="pythonVersion"]');
    await field.click();
    await markFocused(page);
    await page.keyboard.press("End");
    await page.keyboard.press("Backspace");
    await typeWithPause(page, "", "3");
    await settled(page);
    assert.equal(await page.evaluate(() => window.apothicConsole.code), COMMENTED.replace('"3.12"', '"3.13"'));
    assert.ok(await focusedIsMarked(page));

    // Broken code: a form edit leaves it exactly as it is, with a notice.
    const broken = COMMENTED.replace('"curl"])', '"curl"');
    await setCode(page, broken);
    await page.click('[data-testid="tab-steps"]');
    await page.evaluate(() => document.querySelector(".toasts").replaceChildren());
    await field.click();
    await page.keyboard.press("End");
    await page.keyboard.press("Backspace");
    await typeHuman(page, "2");
    await page.waitForTimeout(PAUSE);
    assert.equal(await page.evaluate(() => window.apothicConsole.code), broken);
    assert.match((await toastTexts(page)).join("\n"), /form edits are not written into it/);
    assert.deepEqual(errors, []);
    await context.close();
  });
});

describe("long images", () => {
  /** 100 env steps, with steps 41 and 81 failing (a package name with a space). */
  const LONG = `import { Image } from "@apothic/image";\n\nexport const image = Image.debianSlim({ pythonVersion: "3.12" })\n${Array.from({ length: 100 }, (_, i) =>
    i === 40 || i === 80 ? `  .aptInstall(["bad pkg ${i}"])` : `  .env({ V${i}: "${i}" })`,
  ).join("\n")};\n`;

  const focusedCard = (page) =>
    page.evaluate(() => {
      const card = document.activeElement?.closest('[data-testid="step-card"], [data-testid="base-card"]');
      return card ? [...document.querySelectorAll('[data-testid="step-card"]')].indexOf(card) : null;
    });

  test("100 steps: the error pill, the banner and Next error go to the errors; a Dockerfile line goes to its step and back; the layers stay small", async () => {
    const { page, context, errors } = await env.page();
    await setCode(page, LONG);
    await page.click('[data-testid="tab-steps"]');

    // The status pill and the banner are buttons that go to the first error.
    assert.equal(await page.$eval('[data-testid="status"]', (el) => el.tagName), "BUTTON");
    await page.click('[data-testid="status"]');
    assert.equal(await focusedCard(page), 40);
    await page.click('[data-testid="goto-error"]');
    assert.equal(await focusedCard(page), 40);
    // Next error, then it wraps; and the `e` key.
    await page.click('[data-testid="next-error"]');
    assert.equal(await focusedCard(page), 80);
    await page.click('[data-testid="next-error"]');
    assert.equal(await focusedCard(page), 40);
    await page.keyboard.press("Escape");
    await page.evaluate(() => document.activeElement.blur());
    await page.keyboard.press("e");
    assert.equal(await focusedCard(page), 80, "the error after the one shown last");

    // A Dockerfile line leads to its step: ENV V95 is the 96th step.
    await page.locator('[data-testid="dockerfile"] .line', { hasText: "ENV V95=95" }).click();
    assert.equal(await focusedCard(page), 95);
    // And back: a step's "Dockerfile lines" button marks the lines it rendered, and only those.
    await page.locator('[data-testid="step-card"]').nth(60).locator('[data-testid="show-lines"]').click();
    const marked = await page.$$eval('[data-testid="dockerfile"] .line.from-step', (els) => els.map((el) => el.textContent.replace(/^\d+/, "").trim()));
    assert.deepEqual(marked, ["ENV V60=60"]);

    // The layers table (101 rows) is bounded, and folds away.
    const sizes = await page.evaluate(() => ({
      layers: document.querySelector("section.layers").getBoundingClientRect().height,
      pane: document.querySelector("section.pane.output").getBoundingClientRect().height,
      rows: document.querySelectorAll('[data-testid="layers"] tr.layer-row').length,
    }));
    assert.equal(sizes.rows, 99);
    assert.ok(sizes.layers <= sizes.pane * 0.3, `layers ${sizes.layers}px of ${sizes.pane}px`);
    await page.click('[data-testid="layers-toggle"]');
    assert.ok((await page.evaluate(() => document.querySelector("section.layers").getBoundingClientRect().height)) < 50);

    // Fold all, then unfold all.
    await page.click('[data-testid="collapse-all"]');
    assert.equal(await page.locator('[data-testid="step-card"].collapsed').count(), 100);
    await page.click('[data-testid="collapse-all"]');
    assert.equal(await page.locator('[data-testid="step-card"].collapsed').count(), 0);
    assert.deepEqual(errors, []);
    await context.close();
  });

  test("on a 390 px phone nothing scrolls sideways: not the top bar, not a card with its badges", async () => {
    const { page, context, errors } = await env.page({ width: 390, height: 844 });
    await loadExample(page);
    await page.click('[data-testid="tab-steps"]');
    const overflow = await page.evaluate(() => ({
      page: document.documentElement.scrollWidth,
      topbar: document.querySelector(".topbar").scrollWidth - document.querySelector(".topbar").clientWidth,
      cards: [...document.querySelectorAll('[data-testid="step-card"], [data-testid="base-card"]')].map((c) => c.scrollWidth - c.clientWidth).filter((d) => d > 0),
    }));
    assert.ok(overflow.page <= 390, `the page is ${overflow.page} px wide`);
    assert.equal(overflow.topbar, 0);
    assert.deepEqual(overflow.cards, []);
    assert.deepEqual(errors, []);
    await context.close();
  });
});

describe("lint on the steps", () => {
  test("a secret baked into ENV shows its rule id on the step, and the quick fix removes it (the code's comments stay)", async () => {
    const { page, context, errors } = await env.page();
    const code = `import { Image } from "@apothic/image";\n\n// The API image.\nexport const image = Image.debianSlim({ pythonVersion: "3.12" })\n  .aptInstall(["curl"]) // tools\n  .env({ APP_ENV: "production", DATABASE_URL: "postgres://acme:secret@db/acme" });\n`;
    await setCode(page, code);
    await page.click('[data-testid="tab-steps"]');
    const card = page.locator('[data-testid="step-card"]').nth(1);
    assert.match(await card.locator('[data-testid="badge"]').allInnerTexts().then((t) => t.join(" ")), /AL101/);
    const line = card.locator('.problem.lint[data-code="AL101"]');
    assert.match(await line.innerText(), /secret-in-env/);
    assert.doesNotMatch(await line.innerText(), /acme:secret/, "a finding never shows the secret");
    // Findings match the package's own lint of the same image.
    const ev = await page.evaluate(() => window.apothicConsole.evaluation);
    assert.deepEqual(
      ev.lint.map((f) => [f.rule, f.step]),
      ev.resolution.lint.map((f) => [f.rule, f.step]),
    );
    await page.evaluate(() => document.querySelector('[data-testid="quick-fix"]').scrollIntoView({ block: "center", inline: "nearest" }));
    await shot(page, "lint-light");

    await card.locator('[data-testid="quick-fix"]').first().click();
    await page.waitForFunction(() => !window.apothicConsole.code.includes("DATABASE_URL"));
    await settled(page);
    const fixed = await page.evaluate(() => window.apothicConsole.code);
    assert.match(fixed, /\/\/ The API image\./);
    assert.match(fixed, /\/\/ tools/);
    assert.match(fixed, /APP_ENV: "production"/);
    assert.equal(await page.locator('.problem.lint[data-code="AL101"]').count(), 0);
    assert.deepEqual(errors, []);
    await context.close();
  });
});

describe("undo and redo of the whole image", () => {
  const ops = (page) => page.evaluate(() => window.apothicConsole.model.steps.map((s) => s.op));

  test("a deleted step and a deleted file come back with Undo; Redo takes them away again; Ctrl+Z in a field stays the field's", async () => {
    const { page, context, errors } = await env.page();
    await page.setInputFiles('[data-testid="files-input"]', [{ name: "requirements.txt", mimeType: "text/plain", buffer: Buffer.from("numpy\n") }]);
    await page.waitForSelector('[data-path="requirements.txt"]');
    await settled(page);
    await page.waitForTimeout(PAUSE);
    const before = await ops(page);
    assert.deepEqual(before, ["aptInstall", "pipInstall", "env"]);

    // Type in a field at human pace (one undoable edit), then delete a step.
    await page.click('[data-testid="tab-steps"]');
    const env1 = page.locator('[data-testid="step-card"]').nth(2).locator("input").first();
    await env1.click();
    await page.keyboard.press("End");
    await typeWithPause(page, "_X", "Y");
    await page.waitForTimeout(PAUSE);
    const typed = await page.evaluate(() => window.apothicConsole.code);
    assert.match(typed, /APP_ENV_XY/);
    await page.locator('[data-testid="step-card"]').nth(1).locator('[data-testid="delete"]').click();
    await settled(page);
    assert.deepEqual(await ops(page), ["aptInstall", "env"]);

    // Ctrl+Z outside a text field (focus is on a card header): the step is back.
    await page.keyboard.press("Control+Z");
    await settled(page);
    assert.deepEqual(await ops(page), before);
    assert.equal(await page.evaluate(() => window.apothicConsole.code), typed);
    await page.keyboard.press("Control+Shift+Z");
    await settled(page);
    assert.deepEqual(await ops(page), ["aptInstall", "env"]);
    await page.click('[data-testid="undo"]');
    await settled(page);
    assert.deepEqual(await ops(page), before);

    // A deleted file, through the same Undo.
    await page.locator('[data-path="requirements.txt"]').getByRole("button", { name: "Remove requirements.txt" }).click();
    await page.waitForSelector('[data-path="requirements.txt"]', { state: "detached" });
    await settled(page);
    await page.click('[data-testid="undo"]');
    await page.waitForSelector('[data-path="requirements.txt"]');
    assert.deepEqual(await ops(page), before);

    // One more Undo goes back over the typing (one edit for the whole word).
    await page.click('[data-testid="undo"]');
    await settled(page);
    assert.doesNotMatch(await page.evaluate(() => window.apothicConsole.code), /APP_ENV_X/);
    assert.deepEqual(errors, []);
    await context.close();
  });
});

describe("paste and drop a spec or a Dockerfile", () => {
  const SPEC = { version: 1, base: { op: "fromRegistry", ref: "python:3.12-alpine" }, steps: [{ op: "runCommands", commands: ["echo pasted"] }] };

  test("Ctrl+V outside a field imports a spec JSON, or makes a pasted Dockerfile the base; a dropped .json spec is imported, not added as a file", async () => {
    const { page, context, errors } = await env.page();
    await page.evaluate((t) => navigator.clipboard.writeText(t), JSON.stringify(SPEC));
    await page.evaluate(() => document.activeElement?.blur());
    await page.keyboard.press("Control+V");
    await page.waitForFunction(() => window.apothicConsole.model.base.op === "fromRegistry");
    await settled(page);
    assert.deepEqual(await page.evaluate(() => window.apothicConsole.evaluation.spec.steps), SPEC.steps);

    await page.evaluate(() => navigator.clipboard.writeText("# syntax=docker/dockerfile:1\nFROM debian:bookworm-slim\nRUN echo from-clipboard\n"));
    await page.evaluate(() => document.activeElement?.blur());
    await page.keyboard.press("Control+V");
    await page.waitForFunction(() => window.apothicConsole.model.base.op === "fromDockerfile");
    await settled(page);
    assert.match(await page.evaluate(() => window.apothicConsole.evaluation.dockerfile), /echo from-clipboard/);
    assert.equal(await page.evaluate(() => window.apothicConsole.model.steps.length), 0);

    // A dropped spec file.
    const dropped = { ...SPEC, steps: [{ op: "runCommands", commands: ["echo dropped"] }] };
    await page.evaluate((text) => {
      const dt = new DataTransfer();
      dt.items.add(new File([text], "image.spec.json", { type: "application/json" }));
      for (const type of ["dragenter", "dragover", "drop"]) document.dispatchEvent(new DragEvent(type, { dataTransfer: dt, bubbles: true, cancelable: true }));
    }, JSON.stringify(dropped));
    await page.waitForFunction(() => window.apothicConsole.model.base.op === "fromRegistry");
    await settled(page);
    assert.deepEqual(await page.evaluate(() => window.apothicConsole.evaluation.spec.steps), dropped.steps);
    assert.equal(await page.locator('[data-path="image.spec.json"]').count(), 0, "not added as a file");

    // Pasting into a text field is the field's paste.
    await page.click('[data-testid="python-path"]');
    await page.evaluate((t) => navigator.clipboard.writeText(t), JSON.stringify(SPEC));
    await page.keyboard.press("Control+V");
    await page.waitForTimeout(300);
    assert.equal(await page.inputValue('[data-testid="python-path"]'), JSON.stringify(SPEC));
    assert.deepEqual(await page.evaluate(() => window.apothicConsole.evaluation.spec.steps), dropped.steps);
    assert.deepEqual(errors, []);
    await context.close();
  });
});

describe("the split", () => {
  test("dragging the separator widens the steps pane, the arrow keys move it, and it is kept", async () => {
    const { page, context, errors } = await env.page();
    const width = () => page.evaluate(() => document.querySelector("section.pane.compose").getBoundingClientRect().width);
    const before = await width();
    const box = await page.locator('[data-testid="splitter"]').boundingBox();
    await page.mouse.move(box.x + box.width / 2, box.y + 200);
    await page.mouse.down();
    for (let dx = 30; dx <= 150; dx += 30) {
      await page.mouse.move(box.x + box.width / 2 + dx, box.y + 200);
      await page.waitForTimeout(30);
    }
    await page.mouse.up();
    const dragged = await width();
    assert.ok(Math.abs(dragged - (before + 150)) <= 12, `${before} → ${dragged}`);
    await page.focus('[data-testid="splitter"]');
    await page.keyboard.press("ArrowLeft");
    assert.ok(Math.abs((await width()) - (dragged - 20)) <= 2);
    await page.reload();
    await page.waitForFunction(() => window.apothicConsole?.evaluation !== null && window.apothicConsole?.settled);
    assert.ok(Math.abs((await width()) - (dragged - 20)) <= 2, "kept across a reload");
    assert.deepEqual(errors, []);
    await context.close();
  });
});
