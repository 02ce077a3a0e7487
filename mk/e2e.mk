# Real builds: the specs in tests/e2e/specs/, packed by the package's CLI and built by Debian's
# docker.io (dockerd with BuildKit, started by the test on a private socket and stopped on exit).
.PHONY: test-e2e

TEST_MORE += test-e2e

## test-e2e: installs docker.io and debootstrap, makes the base images locally, builds every e2e
## spec through `apothic-image context | docker build -`, runs each image and checks its effects
test-e2e:
	tests/e2e/run.sh
