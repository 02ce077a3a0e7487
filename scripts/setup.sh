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

# Python venv with BuildKit's Dockerfile parser (PyPI `dockerfile` wraps the Go parser).
if [ ! -x .venv/bin/python ]; then
  python3 -m venv .venv
fi
if ! .venv/bin/python -c 'import dockerfile' 2>/dev/null; then
  .venv/bin/pip install --quiet --disable-pip-version-check -r tests/buildkit/requirements.txt
fi
echo "setup: ok"
