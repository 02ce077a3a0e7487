#!/usr/bin/env bash
# Runs every fuzz target of fuzz/ for a set time (coverage-guided, libFuzzer through cargo-fuzz),
# then renders the renderer's corpus and checks it with BuildKit's own parser. Not part of
# `make test`: it needs a nightly toolchain and cargo-fuzz (`cargo install cargo-fuzz`).
#
#   scripts/fuzz.sh                  # every target, FUZZ_SECONDS (default 300) each
#   scripts/fuzz.sh render dotenv    # some targets
#   FUZZ_SECONDS=3600 FUZZ_JOBS=2 scripts/fuzz.sh
#
# Corpora live in fuzz/corpus/<target> (seeded from tests/, BuildKit's files included), crashes
# in fuzz/artifacts/<target>; each run appends a line to fuzz/runs.tsv (date, target, seconds,
# executions, result). A crash stops the script with its reproducer: turn it into a test in
# tests/hardening.rs, fix it, and run again.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
SECONDS_EACH=${FUZZ_SECONDS:-300}
JOBS=${FUZZ_JOBS:-1}
ALL=(reference from_spec dockerfile ignore dotenv pyproject requirements render)
TARGETS=("$@")
[ ${#TARGETS[@]} -gt 0 ] || TARGETS=("${ALL[@]}")

command -v cargo-fuzz >/dev/null || { echo "fuzz.sh: needs cargo-fuzz (cargo install cargo-fuzz)" >&2; exit 2; }
rustup toolchain list | grep -q '^nightly' || { echo "fuzz.sh: needs a nightly toolchain (rustup toolchain install nightly)" >&2; exit 2; }

seed() { # seed TARGET FILES...: copies seed files into the target's corpus
  local target=$1; shift
  local dir=fuzz/corpus/$target
  mkdir -p "$dir"
  local f
  for f in "$@"; do
    [ -f "$f" ] && cp "$f" "$dir/seed-$(sha256sum "$f" | cut -c1-16)"
  done
  return 0
}
seed_text() { # seed_text TARGET TEXT...
  local target=$1; shift
  mkdir -p "fuzz/corpus/$target"
  local t
  for t in "$@"; do
    printf '%s' "$t" > "fuzz/corpus/$target/seed-$(printf '%s' "$t" | sha256sum | cut -c1-16)"
  done
}

shopt -s nullglob
seed from_spec tests/vectors/*/spec.json tests/vectors-resolve/*/spec.json
seed dockerfile tests/vectors/*/Dockerfile tests/conformance/dockerfile-parser/valid/*/Dockerfile \
  tests/conformance/dockerfile-parser/invalid/*/Dockerfile
seed pyproject $(find tests/vectors-resolve -name pyproject.toml)
seed requirements $(find tests/vectors-resolve -name '*.txt')
seed dotenv $(find tests/vectors-resolve -name '*.env' -o -name '.env*')
seed ignore $(find tests/vectors-resolve -name '.dockerignore')
seed_text reference python python:3.12 ghcr.io/org/app:v1 localhost:5000/a/b:c \
  "docker.io/library/ubuntu@sha256:$(printf '%064d' 0)" "a/b/c:t@sha256:$(printf 'a%.0s' $(seq 64))" \
  "[::1]:5000/x" "UPPER/case" "a..b" "index.docker.io/x"
seed_text dotenv $'A=1\nexport B="two words"\n# c\nC=\'$HOME\'\n'
seed_text requirements $'-r base.txt\n--constraint=pins.txt\nflask \\\n  >=2\n-c "quoted name.txt"\n'

echo "fuzz.sh: building the targets (cargo +nightly fuzz build)"
(cd fuzz && cargo +nightly fuzz build -O >/dev/null)

status=0
for target in "${TARGETS[@]}"; do
  echo "fuzz.sh: $target for ${SECONDS_EACH}s (jobs: $JOBS)"
  log=fuzz/artifacts/$target.log
  mkdir -p "fuzz/artifacts/$target"
  set +e
  (cd fuzz && cargo +nightly fuzz run -O "$target" -j"$JOBS" -- \
      -max_total_time="$SECONDS_EACH" -timeout=10 -rss_limit_mb=2048 -max_len=65536 \
      -print_final_stats=1) >"$log" 2>&1
  rc=$?
  set -e
  execs=$(grep -ho 'stat::number_of_executed_units: *[0-9]*' "$log" | awk '{s+=$2} END {print s+0}')
  result=clean
  if [ $rc -ne 0 ]; then
    result="FAILED (exit $rc)"
    status=1
    grep -E 'panicked|ERROR: libFuzzer|SUMMARY|Test unit written|Reproduce' "$log" | head -20 || true
  fi
  printf '%s\t%s\t%s\t%s\t%s\n' "$(date -u +%FT%TZ)" "$target" "$SECONDS_EACH" "$execs" "$result" >> fuzz/runs.tsv
  echo "fuzz.sh: $target: $execs executions, $result"
done

# The renderer's corpus through BuildKit's own parser (PyPI `dockerfile`, from `make setup`).
if [[ " ${TARGETS[*]} " == *" render "* ]] && [ -x "$ROOT/.venv/bin/python" ]; then
  jsonl=fuzz/artifacts/render-corpus.jsonl
  fuzz/target/x86_64-unknown-linux-gnu/release/render_corpus fuzz/corpus/render > "$jsonl"
  if "$ROOT/.venv/bin/python" tests/buildkit/parse_back.py "$jsonl" | tail -5; then
    echo "fuzz.sh: render corpus parses back with BuildKit's parser"
  else
    echo "fuzz.sh: render corpus: BuildKit parse-back FAILED (cases in $jsonl)"
    status=1
  fi
fi

awk -F'\t' '{t[$2]+=$3} END {for (k in t) printf "fuzz.sh: %-13s %.2f hours in total (fuzz/runs.tsv)\n", k, t[k]/3600}' fuzz/runs.tsv
exit $status
