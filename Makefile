# The two commands a newcomer needs: `make demo` and `make test`.
.PHONY: setup demo test lint test-rust test-parse-back bench

export CARGO_TERM_COLOR ?= never
export APOTHIC_PYTHON := $(CURDIR)/.venv/bin/python

setup:
	@scripts/setup.sh

## demo: render the example specs in examples/specs and print each Dockerfile and hash
demo: setup
	cargo run --quiet --example demo

## test: formatting, lints, unit + conformance + golden + property tests, BuildKit parse-back
test: setup lint test-rust test-parse-back

lint:
	cargo fmt --all -- --check
	cargo clippy --all-targets --quiet -- -D warnings

test-rust:
	cargo test --all-targets --quiet
	cargo test --doc --quiet

test-parse-back:
	$(APOTHIC_PYTHON) tests/buildkit/parse_back.py --self-test

## bench: compose + render + definition hash for 5-, 20- and 500-step images (criterion)
bench:
	cargo bench --bench compose_render_hash
