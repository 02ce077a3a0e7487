# The web console image editor (www/): a Vite + TypeScript app that uses the packed package by
# name, tested in headless Chromium. See www/README.md.
.PHONY: www-install www-build test-www demo-www

TEST_MORE += test-www
DEMO_MORE += demo-www

# The package tarball (make pkg: a no-op when current), then www/node_modules (npm ci, skipped
# when made from the same lockfile and tarball).
www-install: pkg
	scripts/npm-ci-local-package.sh www

## www-build: type-check and build the console into www/dist
www-build: www-install
	cd www && npm run --silent build

## test-www: the console's tests (core in Node, the page in headless Chromium), screenshots
test-www: www-install
	www/scripts/test.sh

## demo-www: build the package and the console, serve it on 127.0.0.1 (prints the URL)
demo-www: www-build
	node www/scripts/serve.mjs --port $${WWW_PORT:-4173}
