#!/usr/bin/env bash
# resizer: libwebp (lossy WebP) is compiled from vendored C source by the
# libwebp-sys crate, so a C compiler must be present (Rust already needs
# one to link; this makes sure on a minimal machine).
set -euo pipefail
if ! command -v cc >/dev/null 2>&1; then
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq gcc libc6-dev >/dev/null
fi
cc --version | head -1
