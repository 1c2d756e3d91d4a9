#!/usr/bin/env bash
# Builds the example Rust guests in guest/rust/examples/ into .wasm files next
# to their crates (examples/producer.wasm, examples/consumer.wasm). The .wasm
# files are committed, so the .NET build needs no Rust toolchain; CI rebuilds
# them (.ci/rust-guests.sh) and fails when the bytes differ.
#
# Needs Debian's Rust 1.63 (apt-get install rustc cargo libstd-rust-dev-wasm32),
# called by full path because a rustup toolchain without a wasm32 standard
# library may come first on PATH. CARGO=... RUSTC=... pick others.
#
# Reproducible: no dependencies, --offline --locked, one workspace (so the
# compiler only sees paths relative to guest/rust), no RUSTFLAGS from the
# environment, and the same toolchain give the same bytes from any folder.
#
# Usage: guest/rust/build.sh
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cargo="${CARGO:-/usr/bin/cargo}"
export RUSTC="${RUSTC:-/usr/bin/rustc}"
target=wasm32-unknown-unknown

# Nothing from the caller's environment may change the output.
unset RUSTFLAGS CARGO_ENCODED_RUSTFLAGS CARGO_BUILD_RUSTFLAGS RUSTDOCFLAGS \
      CARGO_BUILD_TARGET CARGO_PROFILE_RELEASE_DEBUG CARGO_PROFILE_RELEASE_STRIP
export CARGO_TARGET_DIR="$here/target"

"$RUSTC" --version
"$cargo" build --manifest-path "$here/Cargo.toml" --offline --locked --release \
    --target "$target" --workspace

examples=(producer consumer zc_producer zc_consumer)
outputs=()
for name in "${examples[@]}"; do
    out="$here/examples/$name.wasm"
    cp "$CARGO_TARGET_DIR/$target/release/$name.wasm" "$out"
    chmod 644 "$out"
    outputs+=("$out")
    echo "built ${out#"$here"/} ($(wc -c < "$out") bytes)"
done

# Every import must come from module "roadrunner", and no build path may leak in.
if command -v python3 > /dev/null; then
    python3 "$here/../c/inspect_wasm.py" --only-import-module roadrunner "${outputs[@]}" > /dev/null
else
    echo "python3 not found: skipped the import check" >&2
fi
if grep -l -F "$here" "${outputs[@]}"; then
    echo "a build path leaked into the files above" >&2
    exit 1
fi
