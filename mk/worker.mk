# The preview Worker (www/worker): a Cloudflare Worker built on the package's "workerd" entry.
.PHONY: test-worker bench-worker

TEST_MORE += test-worker
BENCH_MORE += bench-worker

## test-worker: the Worker in the real workerd binary on 127.0.0.1: golden previews and hashes,
## every bad-input class, 304s, 1,000 sequential and 50 concurrent requests, inline files vs Node,
## opt-in base-image inspection against a real docker-registry (installed by tests/registry/setup.sh)
test-worker:
	tests/registry/setup.sh
	www/worker/test/run.sh

## bench-worker: the Worker's bundle (script + wasm, gzip) against the Free plan's 3 MiB limit,
## start-up time and per-request latency in workerd
bench-worker:
	workerd="$$(www/worker/scripts/prepare.sh)" && APOTHIC_WORKERD="$$workerd" node www/worker/test/bench.mjs
