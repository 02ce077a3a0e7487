// "Compare" (issue #20: review-grade links): someone with their own image opens a shared link and
// compares what they had with the link's image. The summary, the layer marks and the Dockerfile
// hunks on screen must be what the package's `Image.diff(before, after)` gives for the same two
// specs (computed here in Node). Typing at human pace, as in human.test.mjs; on a 390 px phone the
// comparison scrolls nothing sideways.

import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { Image } from "@apothic/image";
import { setCode, settled, shot, start } from "./browser.mjs";

let env;
before(async () => {
  env = await start();
});
after(async () => {
  await env?.close();
});

/** Longer than the console's debounces plus an evaluation (and the 400 ms save). */
const PAUSE = 600;

async function typeHuman(page, text) {
  for (let i = 0; i < text.length; i++) {
    await page.keyboard.type(text[i]);
    await page.waitForTimeout(80 + ((i * 37) % 71));
  }
}

/** An image that reads a file (requirements.txt) before the steps that differ. */
const chain = (packages, appEnv) => `import { Image } from "@apothic/image";

export const image = Image.debianSlim({ pythonVersion: "3.12" })
  .aptInstall(["git"])
  .pipInstallFromRequirements("requirements.txt")
  .pipInstall(${JSON.stringify(packages)})
  .env({ APP_ENV: "${appEnv}" });
`;

const REQUIREMENTS = { name: "requirements.txt", mimeType: "text/plain", buffer: Buffer.from("requests==2.32.3\n") };

/** The author's link: their image, with requirements.txt (small: it travels with the link). */
async function authorLink() {
  const { page, context } = await env.page();
  await page.setInputFiles('[data-testid="files-input"]', [REQUIREMENTS]);
  await page.waitForSelector('[data-path="requirements.txt"]');
  await setCode(page, chain(["numpy", "pandas"], "prod"));
  await page.waitForFunction(() => window.apothicConsole.evaluation?.resolution !== null);
  const spec = await page.evaluate(() => window.apothicConsole.evaluation.spec);
  await page.click('[data-testid="share"]');
  const url = await page.inputValue('[data-testid="share-url"]');
  await context.close();
  return { spec, frag: url.slice(url.indexOf("#")) };
}

/** The reviewer's own image, the env value typed at human pace (with a pause mid-word); saved. */
async function reviewerImage(page) {
  await setCode(page, chain(["numpy"], "prod"));
  await page.click('[data-testid="tab-steps"]');
  const value = page.getByLabel("Variable 1 value");
  await value.click();
  await page.keyboard.press("End");
  for (let i = 0; i < 4; i++) await page.keyboard.press("Backspace");
  await typeHuman(page, "st");
  await page.waitForTimeout(PAUSE);
  await typeHuman(page, "aging");
  await settled(page);
  await page.waitForTimeout(PAUSE); // saved
  const spec = await page.evaluate(() => window.apothicConsole.evaluation.spec);
  assert.equal(spec.steps.at(-1).values.APP_ENV, "staging");
  return spec;
}

/** Opens the link in the open tab (as pasted into the address bar). */
async function openLink(page, frag, spec) {
  const def = Image.fromSpec(spec).definitionHash();
  await page.evaluate((h) => {
    location.hash = h;
  }, frag);
  await page.waitForFunction((d) => window.apothicConsole.evaluation?.definitionHash === d, def, { timeout: 5000 });
  await settled(page);
}

/** What the comparison dialog shows. */
const compared = (page) =>
  page.$eval('dialog[data-testid="compare"]', (d) => ({
    open: d.open,
    summary: d.querySelector('[data-testid="diff-summary"]').textContent,
    steps: d.querySelector('[data-testid="diff-steps"]').textContent,
    unknown: d.querySelector('[data-testid="diff-unknown"]')?.textContent ?? "",
    marks: [...d.querySelectorAll('[data-testid="diff-layers"] tbody tr')].map((r) => [r.dataset.step, r.dataset.status]),
    hunks: [...d.querySelectorAll('[data-testid="diff-hunk"]')].map((hk) => ({
      head: hk.querySelector(".diff-hunk-head").textContent,
      lines: [...hk.querySelectorAll(".diff-line")].map((l) => {
        const [b, a] = [...l.querySelectorAll(".ln")].map((n) => (n.textContent === "" ? null : Number(n.textContent)));
        return { kind: l.dataset.kind, text: l.querySelector(".lc").textContent, before: b, after: a };
      }),
    })),
  }));

/** The package's diff as the dialog must show it. */
function expected(beforeSpec, afterSpec) {
  const d = Image.diff(beforeSpec, afterSpec);
  return {
    d,
    marks: d.layers.map((l) => [l.step === null ? "base" : String(l.step), l.status]),
    hunks: d.hunks.map((hk) => ({
      head: `@@ -${hk.beforeStart},${hk.beforeLines} +${hk.afterStart},${hk.afterLines} @@`,
      lines: hk.lines.map((l) => ({ kind: l.kind, text: l.text, before: l.before ?? null, after: l.after ?? null })),
    })),
  };
}

describe("compare what I had with a shared link", () => {
  test("a link opened over my image: Compare shows Image.diff(mine, the link) — summary, layer marks, Dockerfile hunks — and Restore brings mine back", async () => {
    const author = await authorLink();
    const { page, context, errors } = await env.page();
    await page.setInputFiles('[data-testid="files-input"]', [REQUIREMENTS]);
    await page.waitForSelector('[data-path="requirements.txt"]');
    const mine = await reviewerImage(page);
    const myCode = await page.evaluate(() => window.apothicConsole.code);

    await openLink(page, author.frag, author.spec);
    assert.match(await page.innerText('[data-testid="review-banner"]'), /Reviewing a shared image/);
    await page.click('[data-testid="compare-mine"]');
    await page.waitForSelector('dialog[data-testid="compare"][open]');
    const shown = await compared(page);
    const want = expected(mine, author.spec);

    // Stated by hand: base and apt reused; the requirements layer reads a file (unknown); the
    // changed pip step rebuilds, and the env after it.
    assert.equal(shown.summary, "2 reused, 2 rebuild from step 3, 1 unknown (it reads files)");
    assert.deepEqual(shown.marks, [
      ["base", "reused"],
      ["0", "reused"],
      ["1", "unknown"],
      ["2", "rebuild"],
      ["3", "rebuild"],
    ]);
    assert.match(shown.unknown, /reads files/);
    assert.match(shown.steps, /2 steps changed, 2 steps unchanged/);
    // …and exactly what the package says.
    assert.equal(shown.summary, `${want.d.reused} reused, ${want.d.rebuild} rebuild from step ${want.d.layers[want.d.firstRebuild].step + 1}, ${want.d.unknown} unknown (it reads files)`);
    assert.deepEqual(shown.marks, want.marks);
    assert.ok(want.hunks.length > 0);
    assert.deepEqual(shown.hunks, want.hunks);
    const changed = shown.hunks.flatMap((hk) => hk.lines).filter((l) => l.kind !== "keep");
    assert.ok(changed.some((l) => l.kind === "remove" && /APP_ENV=staging/.test(l.text) && l.before !== null && l.after === null), "my ENV line, with its line number");
    assert.ok(changed.some((l) => l.kind === "add" && /APP_ENV=prod/.test(l.text) && l.after !== null && l.before === null), "the link's ENV line");
    assert.ok(changed.some((l) => l.kind === "add" && /pandas/.test(l.text)));
    await shot(page, "compare-light");

    // Restore from the dialog: my code comes back.
    await page.click('[data-testid="compare-restore"]');
    await settled(page);
    assert.equal(await page.evaluate(() => window.apothicConsole.code), myCode);
    assert.equal(await page.locator('dialog[data-testid="compare"]').count(), 0);
    assert.deepEqual(errors, []);
    await context.close();
  });

  test("a link without the author's result (the spec only): the toast offers Compare; no unknown layers, so none are claimed", async () => {
    // A link with the spec alone (as links made before they carried the author's result).
    const { page: a, context: ac } = await env.page();
    await setCode(a, `import { Image } from "@apothic/image";\n\nexport const image = Image.debianSlim({ pythonVersion: "3.12" }).aptInstall(["git", "curl"]);\n`);
    const linkSpec = await a.evaluate(() => window.apothicConsole.evaluation.spec);
    await a.click('[data-testid="share"]');
    const url = await a.inputValue('[data-testid="share-url"]');
    await ac.close();

    const { page, context, errors } = await env.page();
    await setCode(page, `import { Image } from "@apothic/image";\n\nexport const image = Image.debianSlim({ pythonVersion: "3.12" }).aptInstall(["git"]).env({ A: "1" });\n`);
    await page.waitForTimeout(PAUSE);
    const mine = await page.evaluate(() => window.apothicConsole.evaluation.spec);
    // Drop the author's result from the link: a spec-only link (as one whose image did not resolve).
    const frag = url.slice(url.indexOf("#")).replace(/&ctx=.*$/, "");
    await openLink(page, frag, linkSpec);
    await page.click('[data-testid="toast-compare"]');
    await page.waitForSelector('dialog[data-testid="compare"][open]');
    const shown = await compared(page);
    const want = expected(mine, linkSpec);
    assert.equal(shown.summary, "1 reused, 1 rebuild from step 1");
    assert.equal(shown.unknown, "");
    assert.deepEqual(shown.marks, want.marks);
    assert.deepEqual(shown.hunks, want.hunks);
    assert.deepEqual(errors, []);
    await context.close();
  });

  test("what I had has a failing call: it is left out, and the dialog says so; code that does not parse cannot be compared, and the toast says why", async () => {
    const { page: a, context: ac } = await env.page();
    await setCode(a, `import { Image } from "@apothic/image";\n\nexport const image = Image.debianSlim({ pythonVersion: "3.12" }).aptInstall(["git"]);\n`);
    const linkSpec = await a.evaluate(() => window.apothicConsole.evaluation.spec);
    await a.click('[data-testid="share"]');
    const url = await a.inputValue('[data-testid="share-url"]');
    await ac.close();
    const frag = url.slice(url.indexOf("#")).replace(/&ctx=.*$/, "");

    const { page, context, errors } = await env.page();
    await setCode(page, `import { Image } from "@apothic/image";\n\nexport const image = Image.debianSlim({ pythonVersion: "3.12" }).aptInstall(["bad pkg"]).env({ A: "1" });\n`);
    await page.waitForTimeout(PAUSE);
    const mine = await page.evaluate(() => window.apothicConsole.evaluation.spec);
    assert.equal(mine.steps.length, 1, "the preview leaves the failing call out");
    await openLink(page, frag, linkSpec);
    await page.click('[data-testid="toast-compare"]');
    await page.waitForSelector('dialog[data-testid="compare"][open]');
    assert.equal(await page.innerText('[data-testid="diff-left-out"]'), "1 call of what you had fails and is left out, as the preview leaves it out.");
    const shown = await compared(page);
    const want = expected(mine, linkSpec);
    assert.deepEqual(shown.marks, want.marks);
    assert.deepEqual(shown.hunks, want.hunks);
    await context.close();

    // Code that does not parse.
    const { page: p2, context: c2, errors: e2 } = await env.page();
    await setCode(p2, `import { Image } from "@apothic/image";\n\nexport const image = Image.debianSlim({ pythonVersion: "3.12" }).aptInstall(["git"]\n`);
    await p2.waitForTimeout(PAUSE);
    await openLink(p2, frag, linkSpec);
    await p2.click('[data-testid="toast-compare"]');
    await p2.waitForSelector('.toast.error');
    assert.match(await p2.innerText(".toast.error"), /^Cannot compare: the code you had does not parse: .+ \(TS_SYNTAX\)$/);
    assert.equal(await p2.locator('dialog[data-testid="compare"]').count(), 0);
    assert.deepEqual([...errors, ...e2], []);
    await c2.close();
  });

  test("on a 390 px phone the comparison scrolls nothing sideways", async () => {
    const author = await authorLink();
    const { page, context, errors } = await env.page({ width: 390, height: 844 });
    await page.setInputFiles('[data-testid="files-input"]', [REQUIREMENTS]);
    await page.waitForSelector('[data-path="requirements.txt"]');
    await reviewerImage(page);
    await openLink(page, author.frag, author.spec);
    await page.click('[data-testid="compare-mine"]');
    await page.waitForSelector('dialog[data-testid="compare"][open]');
    const overflow = await page.evaluate(() => {
      const d = document.querySelector('dialog[data-testid="compare"]');
      const wide = [...d.querySelectorAll("*")].filter((e) => e.getBoundingClientRect().right > window.innerWidth + 0.5).map((e) => e.className || e.tagName);
      return { page: document.documentElement.scrollWidth, dialog: d.scrollWidth - d.clientWidth, right: d.getBoundingClientRect().right, wide };
    });
    assert.ok(overflow.page <= 390, `the page is ${overflow.page} px wide`);
    assert.equal(overflow.dialog, 0);
    assert.ok(overflow.right <= 390, `the dialog ends at ${overflow.right} px`);
    assert.deepEqual(overflow.wide, []);
    assert.deepEqual(errors, []);
    await context.close();
  });
});
