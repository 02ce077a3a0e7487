# The two commands a newcomer needs: `make demo` and `make test`.
.PHONY: help setup demo test check lint lint-js test-rust test-wasm test-js test-parse-back test-hashing bench pkg

export CARGO_TERM_COLOR ?= never
export APOTHIC_PYTHON := $(CURDIR)/.venv/bin/python

# Each part of the project beyond the core (the CLI and real builds, the web console, the
# Worker, fuzzing) keeps its targets in mk/<part>.mk and adds them to these lists.
TEST_MORE :=
BENCH_MORE :=
DEMO_MORE :=
-include mk/*.mk

## help: list the targets with what each does
help:
	@awk '/^## [a-z0-9-]+:/ { sub(/^## /, ""); name = $$0; sub(/:.*/, "", name); \
	  printf "  %-14s %s\n", name, substr($$0, length(name) + 3); more = 1; next } \
	  /^## / && more { sub(/^## /, ""); printf "  %-14s %s\n", "", $$0; next } \
	  { more = 0 }' $(MAKEFILE_LIST)

## setup: the idempotent install step `make test` runs first (Rust components, Chromium, venv)
setup:
	@scripts/setup.sh

## demo: render the example specs in examples/specs and print each Dockerfile and hash
demo:
	cargo run --quiet --example demo
	@for target in $(DEMO_MORE); do $(MAKE) --no-print-directory $$target || exit 1; done

## test: formatting, lints, unit + conformance + golden + property tests, BuildKit parse-back
test: setup lint lint-js test-rust test-wasm test-js test-parse-back test-hashing $(TEST_MORE)

## check: the inner loop (fmt, clippy, tsc over the JS, native tests, the package's JS tests; no
## root or Docker; the bundler pages open in the Chromium `make setup` installs)
check: lint lint-js test-rust test-js

WASM_TEST = CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner \
	cargo test --target wasm32-unknown-unknown --features wasm --test wasm --test wasm_resolve

lint:
	cargo fmt --all -- --check
	cargo clippy --all-targets --features schema --quiet -- -D warnings
	cargo clippy --target wasm32-unknown-unknown --features wasm --lib --test wasm --test wasm_resolve --quiet -- -D warnings

## lint-js: tsc (strict, checkJs) over the package's JavaScript (js/) against its index.d.ts and
## the generated bindings' types, over the package build script and the shared JS test harness
lint-js: pkg
	"$$(scripts/npm-tools.sh)/tsc" -p js/tsconfig.json --pretty false
	"$$(scripts/npm-tools.sh)/tsc" -p scripts/tsconfig.json --pretty false
	"$$(scripts/npm-tools.sh)/tsc" -p tests/harness/tsconfig.json --pretty false

test-rust:
	cargo test --all-targets --quiet
	cargo test --features schema --test schema --quiet
	cargo test --doc --quiet

## test-wasm: the JavaScript API inside wasm, in Node and in headless Chromium (wasm-bindgen-test)
test-wasm:
	$(WASM_TEST)
	CHROMEDRIVER=/usr/bin/chromedriver WASM_BINDGEN_USE_BROWSER=1 $(WASM_TEST)

test-parse-back:
	$(APOTHIC_PYTHON) tests/buildkit/parse_back.py --self-test

test-hashing:
	python3 tests/hashing/recompute.py

## pkg: the npm package (pkg/, dist/apothic-image-<version>.tgz)
pkg:
	scripts/build-pkg.mjs

## test-js: the packed package in Node (ESM, require, vectors, errors, 100k bad calls), tsc, Rollup, workerd
# The bundler pages (tests/js/bundler-apps.test.mjs) are driven by www's playwright-core.
test-js: www-install
	scripts/test-js.sh

## bench: native criterion benches, then the wasm package in Node (size, cold start, per call),
## against Modal's Python client and JS string templates on the same chains, a split's sizes,
## resolution, and the start-up in headless Chromium (www's playwright-core drives it)
bench: www-install
	cargo bench --bench compose_render_hash
	scripts/build-pkg.mjs >/dev/null
	node tests/js/bench-compare.mjs --python "$$(scripts/bench-venv.sh)"
	node tests/js/bench.mjs
	node tests/js/bench-split.mjs
	node tests/js/bench-resolve.mjs
	node tests/js/bench-browser.mjs
	@for target in $(BENCH_MORE); do $(MAKE) --no-print-directory $$target || exit 1; done
