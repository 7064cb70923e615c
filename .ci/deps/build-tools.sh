#!/usr/bin/env bash
# The resizer's C parts are compiled by cargo from source vendored in their
# -sys crates: libjpeg-turbo (turbojpeg-sys) with cmake and nasm (its SIMD
# code is assembly, and the build requires it), libwebp (libwebp-sys) with
# the C compiler; rav1e (AVIF) assembles its SIMD code with nasm too. This
# installs what is missing, on Debian, as root; it is
# run by .ci/run and by samples/run.sh before the first build.
set -euo pipefail
. "$(dirname "$0")/../lib/apt.sh"
missing=()
command -v cc >/dev/null 2>&1 || missing+=(gcc libc6-dev)
command -v cmake >/dev/null 2>&1 || missing+=(cmake)
command -v nasm >/dev/null 2>&1 || missing+=(nasm)
if [ ${#missing[@]} -gt 0 ]; then
    if ! apt_install "build tools" "${missing[@]}"; then
        echo "building needs: ${missing[*]} (libjpeg-turbo is compiled from source with cmake and nasm)" >&2
        echo "on Debian or Ubuntu: sudo apt-get install ${missing[*]}" >&2
        exit 1
    fi
fi
cc --version | head -1
cmake --version | head -1
nasm -v
