// Shared setup of the browser tests: the built console served on 127.0.0.1, and Debian's
// Chromium driven by playwright-core (headless, no downloads, nothing reaches the network).

import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";
import { serve } from "../scripts/serve.mjs";

export const WWW = fileURLToPath(new URL("..", import.meta.url));
export const SCREENSHOTS = join(WWW, "screenshots");

const CHROMIUM = process.env.CHROMIUM ?? "/usr/bin/chromium";

/** Starts the server and the browser; returns helpers and a `close()`. */
export async function start() {
  const { server, url } = await serve(join(WWW, "dist"), 0);
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--disable-dev-shm-usage",
    ],
    // playwright gives every launch a fresh, temporary --user-data-dir of its own.
  });
  return {
    url,
    browser,
    /** A fresh context (its own storage) and page at laptop size. */
    async page({ colorScheme = "light", width = 1440, height = 900, hash = "" } = {}) {
      const context = await browser.newContext({ viewport: { width, height }, colorScheme, acceptDownloads: true, deviceScaleFactor: 1 });
      await context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: url.replace(/\/$/, "") }).catch(() => {});
      const page = await context.newPage();
      const errors = [];
      page.on("pageerror", (e) => errors.push(`pageerror: ${e.message}`));
      page.on("console", (m) => m.type() === "error" && errors.push(`console: ${m.text()}`));
      page.on("dialog", (d) => d.accept());
      await page.goto(url + hash);
      await page.waitForFunction(() => window.apothicConsole?.evaluation !== null && window.apothicConsole?.settled);
      return { page, context, errors };
    },
    async close() {
      await browser.close();
      await new Promise((r) => server.close(r));
    },
  };
}

/** Waits until the console has shown the result of the latest edit. */
export async function settled(page) {
  await page.waitForFunction(() => window.apothicConsole?.settled === true);
  // One more frame, so the DOM reflects it.
  await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => r(null))));
}

/** Replaces the TypeScript view's text by typing it (select all, then insert). */
export async function setCode(page, code) {
  await page.click('[data-testid="tab-code"]');
  await page.click(".cm-content");
  await page.keyboard.press("Control+A");
  await page.keyboard.insertText(code);
  await settled(page);
}

/** The Dockerfile preview as text (one line per rendered line, newline-terminated). */
export async function previewText(page) {
  const lines = await page.$$eval('[data-testid="dockerfile"] .line .lc', (els) => els.map((e) => e.textContent));
  return lines.length ? lines.join("\n") + "\n" : "";
}

/**
 * Saves a screenshot for the README: to www/build/screenshots/<name>.png on every run, and to
 * www/screenshots/<name>.png (the committed pictures) when WWW_UPDATE_SCREENSHOTS=1, so that
 * `make test` leaves the working tree alone (the marks of a fast typing test vary a little with
 * timing). Even then, a picture that differs from the saved one only by a few anti-aliased
 * pixels (caret, focus ring timing) is not rewritten.
 */
export async function shot(page, name) {
  const update = process.env.WWW_UPDATE_SCREENSHOTS === "1";
  const dir = update ? SCREENSHOTS : join(WWW, "build", "screenshots");
  mkdirSync(dir, { recursive: true });
  const path = join(dir, `${name}.png`);
  // Toasts come and go with timing: they are left out of the pictures.
  const png = await page.screenshot({ animations: "disabled", caret: "hide", style: ".toasts { display: none !important; }" });
  if (existsSync(path)) {
    const changed = await page.evaluate(
      async ([a, b]) => {
        const load = (s) =>
          new Promise((resolve, reject) => {
            const img = new Image();
            img.onload = () => resolve(img);
            img.onerror = reject;
            img.src = `data:image/png;base64,${s}`;
          });
        const [ia, ib] = await Promise.all([load(a), load(b)]);
        if (ia.width !== ib.width || ia.height !== ib.height) return Infinity;
        const pixels = (img) => {
          const ctx = new OffscreenCanvas(img.width, img.height).getContext("2d");
          ctx.drawImage(img, 0, 0);
          return ctx.getImageData(0, 0, img.width, img.height).data;
        };
        const [da, db] = [pixels(ia), pixels(ib)];
        let n = 0;
        for (let k = 0; k < da.length; k += 4) if (da[k] !== db[k] || da[k + 1] !== db[k + 1] || da[k + 2] !== db[k + 2]) n++;
        return n;
      },
      [readFileSync(path).toString("base64"), png.toString("base64")],
    );
    if (changed <= 600) return;
  }
  writeFileSync(path, png);
}
