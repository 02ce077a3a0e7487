# Sourced by tests/e2e/run.sh: the base images the renderer names, made locally (no registry but
# the package registries is reachable), and the managed CPython tarball.
#
#   python:3.11-slim-trixie, python:3.11-slim   Debian 12 (bookworm) with its Python 3.11
#   python:3.13-slim-trixie, python:3.13-slim   Debian 13 (trixie) with its Python 3.13
#   debian:bookworm-slim                        Debian 12 without Python (the managed-CPython path)
#   ghcr.io/astral-sh/uv:{version}              /uv and /uvx from the `uv` wheel on PyPI
#
# Each Python base is a debootstrap root (minbase) with python3 and python3-venv, a venv at
# /usr/local (so `python`, `python -m pip` and `pip` work as in the official images, and nothing
# is "externally managed"), the interpreter's C headers (Python.h, as the official images have
# them; no compiler), the host's CA bundle, pip pointed at the host's configured index,
# and apt configured as the host's apt is (mirror, proxy, Valid-Until). Tags name the Python
# version the image has: Debian 12 is the Debian that carries 3.11, so `3.11-slim-trixie` is
# bookworm inside (Debian 13 carries only 3.13).
#
# debootstrap roots are cached as tarballs under target/e2e/cache (keyed by suite, packages,
# mirror and E2E_ROOTFS_VERSION), so a second run imports them in seconds.

E2E_ROOTFS_VERSION=1

# The host's Debian mirror (first URI of the main Debian source), read from its apt sources.
e2e_debian_mirror() {
  local uri=""
  if [ -r /etc/apt/sources.list.d/debian.sources ]; then
    uri="$(awk '/^URIs:/ { print $2; exit }' /etc/apt/sources.list.d/debian.sources)"
  fi
  if [ -z "$uri" ]; then
    uri="$(cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null |
      awk '$1 == "deb" && $0 !~ /security/ { for (i = 2; i <= NF; i++) if ($i ~ /^[a-z]+:\/\//) { print $i; exit } }')"
  fi
  if [ -z "$uri" ]; then
    echo "e2e: cannot find the host's Debian mirror in its apt sources" >&2
    return 1
  fi
  echo "$uri"
}

# The host's apt settings that the images need too (proxy, Valid-Until of a snapshot mirror).
e2e_apt_conf() {
  apt-config dump 2>/dev/null | grep -E '^Acquire::(Check-Valid-Until|Check-Date|https?::Proxy|https?::Proxy::.*) ' || true
}

# e2e_rootfs NAME SUITE PACKAGES(comma-separated or empty): prints the path of a cached tarball
# of a debootstrap (minbase) root, making it when missing.
e2e_rootfs() {
  local name="$1" suite="$2" packages="$3" mirror key tarball tmp
  mirror="$(e2e_debian_mirror)"
  key="$(printf '%s\n' "$E2E_ROOTFS_VERSION" "$suite" "$packages" "$mirror" "$(uname -m)" | sha256sum | cut -c1-16)"
  tarball="$E2E_CACHE/rootfs-$name-$key.tar"
  if [ -s "$tarball" ]; then
    echo "$tarball"
    return 0
  fi
  echo "e2e: debootstrap $suite ($name${packages:+: $packages}) from the host's mirror" >&2
  tmp="$E2E_CACHE/rootfs-$name.tmp"
  e2e_unmount_under "$tmp"
  rm -rf "$tmp" "$tarball.part"
  mkdir -p "$tmp"
  local start=$SECONDS
  local proxy=""
  eval "$(apt-config shell proxy Acquire::http::Proxy 2>/dev/null || true)"
  if ! http_proxy="${proxy:-${http_proxy:-}}" debootstrap --variant=minbase ${packages:+--include="$packages"} \
    "$suite" "$tmp" "$mirror" >"$E2E_LOGS/debootstrap-$name.log" 2>&1; then
    echo "e2e: debootstrap $suite failed; see $E2E_LOGS/debootstrap-$name.log" >&2
    tail -n 20 "$E2E_LOGS/debootstrap-$name.log" >&2
    e2e_unmount_under "$tmp"
    return 1
  fi
  e2e_unmount_under "$tmp"
  # Slim: no downloaded packages, no package lists (apt-get update fetches them again).
  rm -rf "$tmp"/var/cache/apt/archives/*.deb "$tmp"/var/lib/apt/lists/* "$tmp"/var/log/*.log "$tmp"/tmp/* 2>/dev/null || true
  tar --numeric-owner --xattrs -C "$tmp" -cf "$tarball.part" .
  mv "$tarball.part" "$tarball"
  rm -rf "$tmp"
  echo "e2e: debootstrap $suite took $((SECONDS - start)) s" >&2
  echo "$tarball"
}

# The files every base image gets: the host's CA bundle, pip's configuration (the host's index,
# if it has one, and the bundle), apt's configuration.
e2e_base_files() {
  local dir="$1" index extra
  mkdir -p "$dir"
  cp /etc/ssl/certs/ca-certificates.crt "$dir/ca-certificates.crt"
  e2e_apt_conf >"$dir/99apothic-e2e"
  index="${PIP_INDEX_URL:-$(pip config get global.index-url 2>/dev/null || true)}"
  extra="${PIP_EXTRA_INDEX_URL:-$(pip config get global.extra-index-url 2>/dev/null || true)}"
  {
    echo "[global]"
    echo "cert = /etc/ssl/certs/ca-certificates.crt"
    echo "disable-pip-version-check = true"
    [ -z "$index" ] || echo "index-url = $index"
    [ -z "$extra" ] || echo "extra-index-url = $extra"
  } >"$dir/pip.conf"
  # uv reads its own variables.
  {
    echo "SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt"
    [ -z "$index" ] || echo "UV_DEFAULT_INDEX=$index"
    [ -z "$extra" ] || echo "UV_INDEX=$extra"
  } >"$dir/env"
}

# e2e_build_base ROOTFS_TAR --python|--no-python TAG...: imports the root and builds the base on it
e2e_build_base() {
  local tarball="$1" python="$2"
  shift 2
  local ctx="$E2E_WORK/base-$(basename "$tarball" .tar)"
  rm -rf "$ctx" && mkdir -p "$ctx"
  e2e_base_files "$ctx"
  local rootfs_tag
  rootfs_tag="apothic-e2e/rootfs:$(basename "$tarball" .tar | tr -c 'a-z0-9_.\n-' '-')"
  /usr/bin/docker import "$tarball" "$rootfs_tag" >/dev/null
  local env_line
  env_line="$(tr '\n' ' ' <"$ctx/env")"
  {
    echo "FROM $rootfs_tag"
    echo "COPY ca-certificates.crt /etc/ssl/certs/ca-certificates.crt"
    echo "COPY ca-certificates.crt /usr/local/share/ca-certificates/apothic-e2e-host.crt"
    echo "COPY 99apothic-e2e /etc/apt/apt.conf.d/99apothic-e2e"
    echo "ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 $env_line"
    if [ "$python" = --python ]; then
      echo "COPY pip.conf /etc/pip.conf"
      echo "RUN rm -f /usr/lib/python3*/EXTERNALLY-MANAGED && python3 -m venv /usr/local && python -m pip --version && pip --version"
      # The interpreter's C headers, as the official images have them (Python.h; not a compiler):
      # only the include folders of Debian's libpython3.X-dev, none of its dependencies.
      echo 'RUN v="$(python3 -c '"'"'import sys; print("%d.%d" % sys.version_info[:2])'"'"')" && cd /tmp && apt-get update -qq && apt-get download -qq "libpython$v-dev" && dpkg-deb -x libpython"$v"-dev_*.deb /tmp/dev && cp -a /tmp/dev/usr/include/. /usr/include/ && rm -rf /tmp/dev /tmp/*.deb /var/lib/apt/lists/* && test -f "$(python3 -c '"'"'import sysconfig; print(sysconfig.get_paths()["include"])'"'"')/Python.h" && ! command -v gcc'
      echo 'CMD ["python3"]'
    else
      echo 'RUN ! command -v python3 && ! command -v python'
      echo 'CMD ["bash"]'
    fi
  } >"$ctx/Dockerfile"
  local tag args=()
  for tag in "$@"; do args+=(-t "$tag"); done
  if ! /usr/bin/docker build --network host "${args[@]}" "$ctx" >"$E2E_LOGS/base-$1.log" 2>&1; then
    echo "e2e: building the base $1 failed; see $E2E_LOGS/base-$1.log" >&2
    tail -n 30 "$E2E_LOGS/base-$1.log" >&2
    return 1
  fi
  echo "e2e: base image ${*}" >&2
}

# e2e_uv_image VERSION: ghcr.io/astral-sh/uv:VERSION with /uv and /uvx from the PyPI wheel.
e2e_uv_image() {
  local version="$1" wheels="$E2E_CACHE/uv-$1" dir
  if ! ls "$wheels"/uv-"$version"-*.whl >/dev/null 2>&1; then
    echo "e2e: pip download uv==$version" >&2
    rm -rf "$wheels" && mkdir -p "$wheels"
    python3 -m pip download --quiet --no-deps --only-binary=:all: --dest "$wheels" "uv==$version" >&2
  fi
  dir="$E2E_WORK/uv-$version"
  rm -rf "$dir" && mkdir -p "$dir/root"
  python3 - "$wheels" "$dir/root" <<'EOF'
import glob, os, sys, zipfile
wheels, out = sys.argv[1:]
(wheel,) = glob.glob(os.path.join(wheels, "uv-*.whl"))
with zipfile.ZipFile(wheel) as z:
    for name in z.namelist():
        parts = name.split("/")
        if len(parts) == 3 and parts[0].endswith(".data") and parts[1] == "scripts" and parts[2] in ("uv", "uvx"):
            with open(os.path.join(out, parts[2]), "wb") as f:
                f.write(z.read(name))
            os.chmod(os.path.join(out, parts[2]), 0o755)
if not os.path.exists(os.path.join(out, "uv")):
    sys.exit(f"no uv binary in {wheel}")
EOF
  tar --numeric-owner --owner=0 --group=0 -C "$dir/root" -cf "$dir/uv.tar" .
  /usr/bin/docker import --change 'ENTRYPOINT ["/uv"]' "$dir/uv.tar" "ghcr.io/astral-sh/uv:$version" >/dev/null
  echo "e2e: base image ghcr.io/astral-sh/uv:$version ($("$dir/root/uv" --version))" >&2
}

# e2e_managed_python ROOTFS_TAR OUT_DIR: a relocatable CPython in python-build-standalone's
# `install_only` layout (python/bin/python3, python/lib/python3.X), made from Debian's own
# python3 packages: the interpreter, its standard library, the shared libraries it and its
# extension modules load (all but glibc's), each ELF file's RPATH set relative to itself
# ($ORIGIN) with patchelf, and pip installed from Debian's pip wheel (its `pip`, `pip3` scripts in
# python/bin with python-build-standalone's relocatable preamble). Prints the tarball's name.
# It runs on any glibc at least as new as the Debian release it comes from.
e2e_managed_python() {
  local tarball="$1" out="$2" version minor
  # Named after the root it comes from: made once per root.
  # (".python-2": the layout with pip's scripts in bin/.)
  local marker="$E2E_CACHE/$(basename "$tarball" .tar).python-2"
  local name cached
  if [ -s "$marker" ] && [ -s "$E2E_CACHE/$(cat "$marker")" ]; then
    name="$(cat "$marker")"
    cached="$E2E_CACHE/$name"
  else
    local rootfs="$E2E_WORK/managed-python-root"
    rm -rf "$rootfs" && mkdir -p "$rootfs"
    tar --numeric-owner -C "$rootfs" -xf "$tarball"
    minor="$(chroot "$rootfs" /usr/bin/python3 -c 'import sys; print("%d.%d" % sys.version_info[:2])')"
    version="$(chroot "$rootfs" /usr/bin/python3 -c 'import sys; print("%d.%d.%d" % sys.version_info[:3])')"
    name="cpython-$version+e2e-$(uname -m)-unknown-linux-gnu-install_only.tar.gz"
    cached="$E2E_CACHE/$name"
    echo "e2e: assembling a relocatable CPython $version from Debian's packages" >&2
    local stage="$E2E_WORK/managed-python"
    rm -rf "$stage" && mkdir -p "$stage/python/bin" "$stage/python/lib"
    local py="$stage/python"
    cp "$rootfs/usr/bin/python$minor" "$py/bin/python$minor"
    ln -s "python$minor" "$py/bin/python3"
    ln -s python3 "$py/bin/python"
    cp -a "$rootfs/usr/lib/python$minor" "$py/lib/python$minor"
    rm -rf "$py/lib/python$minor/EXTERNALLY-MANAGED" "$py/lib/python$minor"/test "$py/lib/python$minor"/*/test
    find "$py" -name __pycache__ -prune -exec rm -rf {} +
    # Links into the rest of the system (sitecustomize.py → /etc/python3.X/) do not come along.
    find "$py" -xtype l -print -delete >&2
    # The shared libraries the interpreter and its extension modules need, but glibc's own.
    local libs
    libs="$(chroot "$rootfs" sh -c "ldd /usr/bin/python$minor /usr/lib/python$minor/lib-dynload/*.so 2>/dev/null" |
      awk '$2 == "=>" && $3 ~ /^\// { print $3 }' | sort -u |
      grep -Ev '/(libc|libm|libpthread|libdl|librt|libutil|libresolv|libnsl|libcrypt|ld-linux[^/]*)\.so' || true)"
    local lib
    for lib in $libs; do
      cp -L "$rootfs$lib" "$py/lib/$(basename "$lib")"
    done
    patchelf --force-rpath --set-rpath '$ORIGIN/../lib' "$py/bin/python$minor"
    for lib in "$py"/lib/*.so*; do patchelf --force-rpath --set-rpath '$ORIGIN' "$lib"; done
    for lib in "$py/lib/python$minor/lib-dynload"/*.so; do patchelf --force-rpath --set-rpath '$ORIGIN/../..' "$lib"; done
    # pip, from Debian's wheel, into the tree's own site folder.
    local pip_wheel
    pip_wheel="$(ls "$rootfs"/usr/share/python-wheels/pip-*.whl | head -n 1)"
    "$py/bin/python3" "$pip_wheel/pip" install --quiet --no-index --no-warn-script-location --root-user-action=ignore "$pip_wheel" >&2
    # Debian's interpreter installs scripts under its prefix's local/bin: pip's go to bin/, as in
    # python-build-standalone, with its relocatable `#!/bin/sh` preamble (the interpreter next to
    # the script's real path) instead of the absolute path of this staging folder.
    local script
    for script in "$py"/local/bin/pip*; do
      {
        echo '#!/bin/sh'
        echo "'''exec' \"\$(dirname -- \"\$(realpath -- \"\$0\")\")\"/'python$minor' \"\$0\" \"\$@\""
        echo "' '''"
        tail -n +2 "$script"
      } >"$py/bin/$(basename "$script")"
      chmod 755 "$py/bin/$(basename "$script")"
      rm "$script"
    done
    rmdir "$py/local/bin"
    "$py/bin/python3" -m pip --version >&2
    "$py/bin/pip3" --version >&2
    find "$py" -name __pycache__ -prune -exec rm -rf {} +
    tar --numeric-owner --owner=0 --group=0 --sort=name --mtime=@0 -C "$stage" -czf "$cached.part" python
    mv "$cached.part" "$cached"
    echo "$name" >"$marker"
    rm -rf "$rootfs" "$stage"
  fi
  cp "$cached" "$out/$name"
  echo "$name"
}
