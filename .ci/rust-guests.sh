#!/usr/bin/env bash
# Rebuilds the Rust example guests (guest/rust) with Debian's Rust 1.63 in a
# temporary copy of the sources and fails when the result differs from the
# committed .wasm files: they must be what the committed sources build to.
# Installs the toolchain with apt-get when it is missing (needs root or sudo).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"

if [ ! -x /usr/bin/cargo ] || [ ! -x /usr/bin/rustc ] || [ ! -d /usr/lib/rustlib/wasm32-unknown-unknown ]; then
  sudo=""
  if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
  $sudo apt-get update -q
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends \
    rustc cargo libstd-rust-dev-wasm32
fi

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
# A copy in another folder also proves that no build path ends up in the output.
tar -C "$root" --exclude=guest/rust/target -cf - guest/rust guest/c/inspect_wasm.py | tar -C "$tmp" -xf -
"$tmp/guest/rust/build.sh"

status=0
for built in "$tmp"/guest/rust/examples/*.wasm; do
  committed="$root/guest/rust/examples/$(basename "$built")"
  if cmp -s "$built" "$committed"; then
    echo "rust guests: $(basename "$built") matches the committed file"
  else
    echo "rust guests: $(basename "$built") differs from the committed file: run guest/rust/build.sh and commit the result" >&2
    status=1
  fi
done
exit $status
