#!/usr/bin/env bash
# The resizer's C parts are compiled by cargo from source vendored in their
# -sys crates: libjpeg-turbo (turbojpeg-sys) with cmake and nasm (its SIMD
# code is assembly, and the build requires it), libwebp (libwebp-sys) with
# the C compiler. This installs what is missing, on Debian, as root; it is
# run by .ci/run and by samples/run.sh before the first build.
set -euo pipefail
missing=()
command -v cc >/dev/null 2>&1 || missing+=(gcc libc6-dev)
command -v cmake >/dev/null 2>&1 || missing+=(cmake)
command -v nasm >/dev/null 2>&1 || missing+=(nasm)
if [ ${#missing[@]} -gt 0 ]; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
        echo "installing build tools: ${missing[*]}"
        export DEBIAN_FRONTEND=noninteractive
        # A fresh machine may have no package lists yet.
        apt-get install -y -qq "${missing[@]}" >/dev/null 2>&1 ||
            { apt-get update -qq >/dev/null && apt-get install -y -qq "${missing[@]}" >/dev/null; }
    else
        echo "building needs: ${missing[*]} (libjpeg-turbo is compiled from source with cmake and nasm)" >&2
        echo "on Debian or Ubuntu: sudo apt-get install ${missing[*]}" >&2
        exit 1
    fi
fi
cc --version | head -1
cmake --version | head -1
nasm -v
