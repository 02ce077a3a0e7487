# registryHost against real registries: Debian's docker-registry (the CNCF distribution registry)
# started by the test on 127.0.0.1, anonymous, with htpasswd Basic auth and with token auth from
# a token issuer the test runs, filled through the registry API, faults injected by a real proxy.
.PHONY: test-registry

TEST_MORE += test-registry

## test-registry: installs docker-registry and apache2-utils, then runs registryHost from the
## packed package against real registries (images, platforms, auth, faults, resolve plans), and
## the same inspections in workerd and headless Chromium (playwright-core from www/node_modules)
test-registry: www-install
	tests/registry/run.sh
