#!/usr/bin/env python3
"""Print the imports, exports and memory limits of WebAssembly modules.

Usage: inspect_wasm.py [--only-import-module NAME] FILE.wasm...

With --only-import-module, exits non-zero when any module imports from another
module (build.sh uses this to keep the guests free of WASI imports).
No dependencies beyond the standard library.
"""
import sys

KINDS = {0: "func", 1: "table", 2: "memory", 3: "global", 4: "tag"}
VALTYPES = {0x7F: "i32", 0x7E: "i64", 0x7D: "f32", 0x7C: "f64", 0x7B: "v128",
            0x70: "funcref", 0x6F: "externref"}


class Reader:
    def __init__(self, data, pos=0, end=None):
        self.data, self.pos = data, pos
        self.end = len(data) if end is None else end

    def byte(self):
        b = self.data[self.pos]
        self.pos += 1
        return b

    def uleb(self):
        result = shift = 0
        while True:
            b = self.byte()
            result |= (b & 0x7F) << shift
            shift += 7
            if b < 0x80:
                return result

    def name(self):
        n = self.uleb()
        s = self.data[self.pos:self.pos + n].decode("utf-8")
        self.pos += n
        return s

    def limits(self):
        flags = self.byte()
        lo = self.uleb()
        hi = self.uleb() if flags & 1 else None
        return lo, hi


def sig(types, idx):
    params, results = types[idx]
    p = ", ".join(params)
    r = ", ".join(results) if results else ""
    return f"({p}) -> ({r})"


def inspect(path):
    data = open(path, "rb").read()
    if data[:4] != b"\0asm":
        raise SystemExit(f"{path}: not a wasm module")
    r = Reader(data, 8)
    types, func_types, imports, exports, memories = [], [], [], [], []
    imported_funcs = 0
    while r.pos < len(data):
        sid = r.byte()
        size = r.uleb()
        s = Reader(data, r.pos, r.pos + size)
        if sid == 1:  # type
            for _ in range(s.uleb()):
                assert s.byte() == 0x60
                params = [VALTYPES.get(s.byte(), "?") for _ in range(s.uleb())]
                results = [VALTYPES.get(s.byte(), "?") for _ in range(s.uleb())]
                types.append((params, results))
        elif sid == 2:  # import
            for _ in range(s.uleb()):
                mod, name, kind = s.name(), s.name(), s.byte()
                desc = ""
                if kind == 0:
                    t = s.uleb()
                    func_types.append(t)
                    imported_funcs += 1
                    desc = sig(types, t)
                elif kind == 1:
                    s.byte()
                    desc = str(s.limits())
                elif kind == 2:
                    desc = str(s.limits())
                elif kind == 3:
                    s.byte()
                    s.byte()
                imports.append((mod, name, KINDS.get(kind, kind), desc))
        elif sid == 3:  # function
            for _ in range(s.uleb()):
                func_types.append(s.uleb())
        elif sid == 5:  # memory
            for _ in range(s.uleb()):
                memories.append(s.limits())
        elif sid == 7:  # export
            for _ in range(s.uleb()):
                name, kind, idx = s.name(), s.byte(), s.uleb()
                desc = sig(types, func_types[idx]) if kind == 0 else ""
                exports.append((name, KINDS.get(kind, kind), desc))
        r.pos += size
    return imports, exports, memories


def main(argv):
    only = None
    if len(argv) >= 2 and argv[0] == "--only-import-module":
        only = argv[1]
        argv = argv[2:]
    ok = True
    for path in argv:
        imports, exports, memories = inspect(path)
        print(path)
        for mod, name, kind, desc in imports:
            print(f"  import {mod}.{name} {kind} {desc}")
            if only is not None and mod != only:
                ok = False
                print(f"  ERROR: import from module '{mod}' (only '{only}' is allowed)")
        for name, kind, desc in exports:
            print(f"  export {name} {kind} {desc}")
        for lo, hi in memories:
            hi_s = "none" if hi is None else f"{hi} pages ({hi * 65536} bytes)"
            print(f"  memory min {lo} pages, max {hi_s}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
