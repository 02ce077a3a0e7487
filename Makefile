# The two commands a newcomer needs: `make demo` and `make test`.
.PHONY: setup demo test lint test-rust test-parse-back test-hashing bench

export CARGO_TERM_COLOR ?= never
export APOTHIC_PYTHON := $(CURDIR)/.venv/bin/python

setup:
	@scripts/setup.sh

## demo: render the example specs in examples/specs and print each Dockerfile and hash
demo:
	cargo run --quiet --example demo

## test: formatting, lints, unit + conformance + golden + property tests, BuildKit parse-back
test: setup lint test-rust test-parse-back test-hashing

lint:
	cargo fmt --all -- --check
	cargo clippy --all-targets --quiet -- -D warnings

test-rust:
	cargo test --all-targets --quiet
	cargo test --doc --quiet

test-parse-back:
	$(APOTHIC_PYTHON) tests/buildkit/parse_back.py --self-test

test-hashing:
	python3 tests/hashing/recompute.py

## bench: compose + render + definition hash for 5-, 20- and 500-step images (criterion)
bench:
	cargo bench --bench compose_render_hash
