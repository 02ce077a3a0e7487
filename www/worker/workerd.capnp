# workerd config for the preview Worker, as built by `npm run build` (dist/worker.js and the
# .wasm it imports as a module). Serve it with the `workerd` binary (npm package `workerd`):
#
#   workerd serve workerd.capnp                                   # http://127.0.0.1:8787/
#   workerd serve workerd.capnp --socket-addr http=127.0.0.1:9000 # another port
#
# It listens on loopback only. The tests (test/run.sh) serve this very file on a free port.
using Workerd = import "/workerd/workerd.capnp";

const config :Workerd.Config = (
  services = [ (name = "preview", worker = .previewWorker) ],
  sockets = [ (name = "http", address = "127.0.0.1:8787", http = (), service = "preview") ],
);

const previewWorker :Workerd.Worker = (
  modules = [
    (name = "worker.js", esModule = embed "dist/worker.js"),
    (name = "apothic_image_bg.wasm", wasm = embed "dist/apothic_image_bg.wasm"),
  ],
  # Keep in step with compatibility_date in wrangler.toml.
  compatibilityDate = "2025-09-01",
);
