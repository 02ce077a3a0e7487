#!/usr/bin/env bash
# The Python venv of `make bench`'s comparison (benches/modal_chain.py): Modal's Python client,
# pinned, in target/bench/venv. Idempotent: does nothing when the pinned version is installed.
# Prints the venv's python on stdout.
set -euo pipefail
cd "$(dirname "$0")/.."
MODAL_VERSION=1.6.4
venv=target/bench/venv
if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv" >&2
fi
if [ "$("$venv/bin/python" -c 'import modal; print(modal.__version__)' 2>/dev/null)" != "$MODAL_VERSION" ]; then
  "$venv/bin/pip" install --quiet --disable-pip-version-check "modal==$MODAL_VERSION" >&2
fi
echo "$PWD/$venv/bin/python"
