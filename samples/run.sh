#!/usr/bin/env bash
# Runs the three tools on the small inputs in samples/, writing to out/.
# No server or setup is needed: the mailer's default is a dry run that
# writes one .eml file per message.
set -euo pipefail
cd "$(dirname "$0")/.."
# libjpeg-turbo is compiled from source and needs cmake and nasm: installed
# here when missing (Debian, as root), else the script says what to install.
bash .ci/deps/build-tools.sh >/dev/null
# The reports hold Japanese and Hindi text; DejaVu (bundled) has neither,
# so Debian's IPA Gothic and Lohit Devanagari are the fallback fonts:
# installed here when missing.
bash .ci/deps/sample-fonts.sh
target=${CARGO_TARGET_DIR:-target}
if [ ! -x "$target/debug/reporter" ]; then
    echo "== building the three tools (the first build takes several minutes; cargo shows its progress)"
fi
cargo build --workspace --bins
bin=$target/debug
out=${OUT:-out}
mkdir -p "$out"

echo "== mailer (dry run: .eml files in $out/outbox)"
"$bin/mailer" samples/mailer/customers.csv samples/mailer/template.txt --outbox "$out/outbox"

echo "== resizer (photos to 800x800 and 200x200 in $out/resized)"
"$bin/resizer" samples/resizer "$out/resized" --size 800x800 --size 200x200

echo "== reporter (one PDF statement per account in $out/reports)"
# Characters DejaVu Sans lacks (the Japanese ones) come from a system font.
"$bin/reporter" samples/reports/items.csv --group-by account \
  --layout samples/reports/statement-logo.toml --out "$out/reports"

echo "== reporter (one customer list in Arabic, Hebrew, Hindi, Japanese and Latin: $out/reports/world)"
# Shaped text (joined Arabic, Devanagari syllables, kerning), right-to-left
# cells aligned right, and the default layout (no --layout).
"$bin/reporter" samples/reports/world.csv --group-by region --out "$out/reports/world"

echo "== done: see $out/"
