#!/usr/bin/env bash
# Installs what `make test` needs on a fresh machine. Idempotent: each step is skipped when its
# result is already there.
set -euo pipefail
cd "$(dirname "$0")/.."

# Rust components used by the checks (the toolchain itself comes with the machine).
for component in rustfmt clippy; do
  if ! rustup component list --installed 2>/dev/null | grep -q "^${component}"; then
    rustup component add "$component"
  fi
done

# The wasm target and wasm-bindgen-cli of exactly the version Cargo.toml pins (ARCHITECTURE.md §7),
# installed by the package build's own toolchain step, the one place that reads the pin.
node scripts/build-pkg.mjs --toolchain

# Debian's Chromium and its driver, for the browser tests (headless, no downloads).
if ! command -v chromium >/dev/null || ! command -v chromedriver >/dev/null; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null
fi

# Python venv with BuildKit's Dockerfile parser (PyPI `dockerfile` wraps the Go parser).
if [ ! -x .venv/bin/python ]; then
  python3 -m venv .venv
fi
if ! .venv/bin/python -c 'import dockerfile' 2>/dev/null; then
  .venv/bin/pip install --quiet --disable-pip-version-check -r tests/buildkit/requirements.txt
fi
echo "setup: ok"
