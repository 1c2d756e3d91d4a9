#!/usr/bin/env bash
# Builds the example C guests in guest/c/examples/ into .wasm files next to
# their sources (the .wasm files are committed, so the .NET build needs no C
# toolchain).
#
# Needs clang + lld with the wasm32 target and wasi-libc (Debian: clang lld
# wasi-libc libclang-rt-14-dev-wasm32). Only malloc/memcpy come from wasi-libc;
# no WASI imports are pulled in, which the check at the end verifies.
#
# Usage: guest/c/build.sh            (CC=clang-15 guest/c/build.sh to pick a compiler)
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cc="${CC:-clang}"

cflags=(
    --target=wasm32-wasi
    -O2
    -std=c11
    -Wall -Wextra -Werror
    -mbulk-memory              # memcpy/memset become memory.copy/memory.fill
    -I"$here"
)
ldflags=(
    -nostartfiles              # no _start/_initialize: a library of exports
    -Wl,--no-entry
    -Wl,--max-memory=4294967296  # memory may grow up to 4 GiB (65536 pages)
    -Wl,--strip-debug          # drop libc's DWARF, keep the name section
)
# Functions are exported with RR_EXPORT(...) / export_name in the sources; the
# linear memory is exported as "memory" by wasm-ld's default.

examples=(producer consumer echo zero_copy)
outputs=()
for name in "${examples[@]}"; do
    src="$here/examples/$name.c"
    out="$here/examples/$name.wasm"
    "$cc" "${cflags[@]}" "${ldflags[@]}" -o "$out" "$src"
    outputs+=("$out")
    echo "built ${out#"$here"/} ($(wc -c < "$out") bytes)"
done

# Every import must come from module "roadrunner" (no WASI).
if command -v python3 > /dev/null; then
    python3 "$here/inspect_wasm.py" --only-import-module roadrunner \
        "${outputs[@]}"
else
    echo "python3 not found: skipped the import check" >&2
fi
