"""`make bench`: Modal's Python client composing the same image chains as tests/js/bench-compare.mjs.

A Modal user composes an image with `modal.Image` and gets its Dockerfile from Modal's servers.
No server is needed for the client's part: each layer is made by `_Image._from_args(...,
dockerfile_function=f)`, and `f(builder_version)` returns that layer's Dockerfile commands. This
harness wraps `_Image._from_args` to keep each layer's `dockerfile_function` and its base on the
layer, composes the chain through the public `modal.Image` API (what users call), then renders it
by calling every layer's `dockerfile_function` with the newest builder version and joining the
commands, and hashes the result with SHA-256 (Modal hashes on its servers; our `definitionHash()`
is in the timed work of the other rows, so the client gets a hash too).

    python benches/modal_chain.py --steps 20 --steps 100 --steps 500 [--print 20]

Prints one JSON object: {"modal": version, "python": version, "results": {steps: {...}}}, each
result the median and quartiles (µs) of 15 batches of about 50 ms each, after a 200 ms warm-up.
"""

import argparse
import hashlib
import json
import platform
import statistics
import time

import modal
from modal import _image
from modal._utils.async_utils import synchronizer

BUILDER_VERSION = _image.LATEST_IMAGE_BUILDER_VERSION
_from_args = _image._Image._from_args


def _recording_from_args(*args, **kwargs):
    """`_Image._from_args`, keeping the layer's Dockerfile function and its base on the layer."""
    layer = _from_args(*args, **kwargs)
    layer._bench_dockerfile_function = kwargs.get("dockerfile_function")
    layer._bench_base = (kwargs.get("base_images") or {}).get("base")
    return layer


_image._Image._from_args = staticmethod(_recording_from_args)


def compose(count):
    """The chain of tests/js/bench-compare.mjs: debian_slim, then `count` steps cycling through 8 kinds."""
    image = modal.Image.debian_slim(python_version="3.12")
    for i in range(count):
        kind = i % 8
        if kind == 0:
            image = image.apt_install(["git", "curl", "libpq-dev"])
        elif kind == 1:
            image = image.pip_install(["numpy>=2", "pandas", "requests==2.32.3"])
        elif kind == 2:
            image = image.env({"APP_ENV": "production", "GREETING": "it's $HOME"})
        elif kind == 3:
            image = image.run_commands(["echo hello && ls -la /", "for i in 1 2; do\n  echo $i\ndone"])
        elif kind == 4:
            image = image.workdir(f"/srv/app{i}")
        elif kind == 5:
            image = image.uv_pip_install(["httpx", "fastapi[standard]"])
        elif kind == 6:
            image = image.shell(["/bin/bash", "-euo", "pipefail", "-c"])
        else:
            image = image.dockerfile_commands("EXPOSE 8000\nUSER root")
    return image


def render(image):
    """Every layer's Dockerfile commands, base first, as the client would send them."""
    layers = []
    layer = synchronizer._translate_in(image)
    while layer is not None:
        layers.append(layer)
        layer = layer._bench_base
    commands = []
    for layer in reversed(layers):
        commands.extend(layer._bench_dockerfile_function(BUILDER_VERSION).commands)
    return "\n".join(commands)


def compose_render_hash(count):
    text = render(compose(count))
    return text + hashlib.sha256(text.encode()).hexdigest()


def timed(fn):
    """Per-call times (µs) of 15 batches of about 50 ms each, after a 200 ms warm-up."""
    started = time.perf_counter()
    while time.perf_counter() - started < 0.2:
        fn()
    per_batch = 1
    while True:
        t = time.perf_counter()
        for _ in range(per_batch):
            fn()
        if time.perf_counter() - t > 0.05:
            break
        per_batch *= 2
    samples = []
    for _ in range(15):
        t = time.perf_counter()
        for _ in range(per_batch):
            fn()
        samples.append((time.perf_counter() - t) * 1e6 / per_batch)
    return samples


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--steps", type=int, action="append")
    parser.add_argument("--print", type=int, help="print the rendered chain of this many steps and exit")
    options = parser.parse_args()
    if options.print is not None:
        print(render(compose(options.print)))
        return
    results = {}
    for steps in options.steps or [20]:
        samples = timed(lambda: compose_render_hash(steps))
        q = statistics.quantiles(samples, n=4)
        results[steps] = {"medianUs": statistics.median(samples), "q1Us": q[0], "q3Us": q[2], "samplesUs": samples}
    print(json.dumps({"modal": modal.__version__, "python": platform.python_version(), "results": results}))


if __name__ == "__main__":
    main()
