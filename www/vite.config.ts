import { defineConfig } from "vite";

// The console is a static site: `vite build` writes dist/, which any static server can host
// (scripts/serve.mjs serves it for `make demo-www` and the tests). The evaluator runs in a module
// Web Worker (src/evaluator.worker.ts), so the worker bundle is ES too.
export default defineConfig({
  base: "./",
  build: {
    target: "es2022",
    outDir: "dist",
    emptyOutDir: true,
    chunkSizeWarningLimit: 1024,
  },
  worker: { format: "es" },
  server: { host: "127.0.0.1" },
  preview: { host: "127.0.0.1" },
});
