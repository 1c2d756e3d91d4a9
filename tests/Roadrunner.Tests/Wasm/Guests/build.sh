#!/usr/bin/env bash
# Builds newuser.wasm (push receiver + sender) and newuser_pull.wasm (pull receiver + sender) from newuser.c with the
# flags of guest/c/build.sh. The .wasm files are committed, so the test build needs no C toolchain.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$here/../../../.."
build() {
    "${CC:-clang}" --target=wasm32-wasi -O2 -std=c11 -Wall -Wextra -Werror -mbulk-memory -I"$root/guest/c" \
        -nostartfiles -Wl,--no-entry -Wl,--max-memory=4294967296 -Wl,--strip-debug "$@" "$here/newuser.c"
}
build -o "$here/newuser.wasm"
build -DPULL_ONLY -o "$here/newuser_pull.wasm"
python3 "$root/guest/c/inspect_wasm.py" --only-import-module roadrunner "$here/newuser.wasm" "$here/newuser_pull.wasm" > /dev/null
