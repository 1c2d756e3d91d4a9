;; zc-producer.wat - the zero-copy sender of the benchmarks (guest ABI version 2, docs/guest-abi.md).
;;
;; It keeps ONE window: [window, window + round_up(len, 64 KiB)) of memory it grew for that alone (so no allocator
;; ever hands it out), reused for every payload and grown (a new window) only for a larger one. A transfer is three
;; calls the host times apart: claim(len) backs the window with memory that can change hands, fill(len, seed) writes
;; the payload straight into the window (the pattern of producer.c's fill: no copy of its own), commit(len) hands it
;; to "consumer" (after which the window is this guest's own memory again).
;;
;; Exports: memory; abi() -> the host's ABI version; window(len) -> ptr (0 when memory cannot grow); claim(len),
;; commit(len), abort() -> status; fill(len, seed) -> ptr (0 when len is larger than the window).
(module
  (import "roadrunner" "abi_version" (func $abi_version (result i32)))
  (import "roadrunner" "open" (func $open (param i32 i32) (result i32)))
  (import "roadrunner" "claim" (func $claim (param i32 i32 i32) (result i32)))
  (import "roadrunner" "commit" (func $commit (param i32 i32 i32) (result i32)))
  (import "roadrunner" "abort" (func $abort (param i32 i32) (result i32)))
  (memory (export "memory") 1 65536)
  (data (i32.const 16) "consumer")
  (global $handle (mut i32) (i32.const 0))
  (global $window (mut i32) (i32.const 0))
  (global $window_size (mut i32) (i32.const 0))
  (global $huge (mut i32) (i32.const 0))

  (func (export "abi") (result i32) (call $abi_version))

  ;; The window for a payload of len bytes: the current one when it is large enough, else a new one from memory.grow.
  (func $window_for (export "window") (param $len i32) (result i32)
    (local $size i32) (local $old i32)
    (local.set $size (i32.and (i32.add (local.get $len) (i32.const 65535)) (i32.const -65536)))
    (if (i32.eqz (local.get $size)) (then (local.set $size (i32.const 65536))))
    (if (i32.le_u (local.get $size) (global.get $window_size)) (then (return (global.get $window))))
    ;; With set_huge(1) (the host's folder has huge pages) a window of 2 MiB or more starts on a 2 MiB boundary (32
    ;; wasm pages), so its pages map with one page-table entry per 2 MiB (docs/zero-copy.md, "Huge pages"). Not with
    ;; 4 KiB pages: there a window over whole 2 MiB ranges makes every hop free and refill their page tables.
    (if (i32.and (global.get $huge) (i32.ge_u (local.get $len) (i32.const 2097152)))
      (then
        (local.set $old (i32.and (i32.sub (i32.const 32) (i32.and (memory.size) (i32.const 31))) (i32.const 31)))
        (if (local.get $old)
          (then (if (i32.eq (memory.grow (local.get $old)) (i32.const -1)) (then (return (i32.const 0))))))))
    (local.set $old (memory.grow (i32.shr_u (local.get $size) (i32.const 16))))
    (if (i32.eq (local.get $old) (i32.const -1)) (then (return (i32.const 0))))
    (global.set $window (i32.shl (local.get $old) (i32.const 16)))
    (global.set $window_size (local.get $size))
    (global.get $window))

  ;; The handle of "consumer", opened once (a negative status when it cannot be opened).
  (func $consumer (result i32)
    (if (i32.le_s (global.get $handle) (i32.const 0))
      (then (global.set $handle (call $open (i32.const 16) (i32.const 8)))))
    (global.get $handle))

  (func (export "claim") (param $len i32) (result i32)
    (local $w i32) (local $h i32)
    (local.set $w (call $window_for (local.get $len)))
    (if (i32.eqz (local.get $w)) (then (return (i32.const -5)))) ;; RR_TOO_LARGE: no memory for the window
    (local.set $h (call $consumer))
    (if (i32.lt_s (local.get $h) (i32.const 0)) (then (return (local.get $h))))
    (call $claim (local.get $h) (local.get $w) (local.get $len)))

  (func (export "commit") (param $len i32) (result i32)
    (call $commit (global.get $handle) (global.get $window) (local.get $len)))

  (func (export "abort") (result i32)
    (call $abort (global.get $handle) (global.get $window)))

  ;; producer.c's pattern: state = seed | 1; per 4-byte chunk state ^= state << 13, ^= state >> 17, ^= state << 5,
  ;; stored little-endian; a last partial chunk gets the low bytes of the stepped state.
  (func (export "fill") (param $len i32) (param $seed i32) (result i32)
    (local $p i32) (local $full i32) (local $end i32) (local $s i32)
    (if (i32.gt_u (local.get $len) (global.get $window_size)) (then (return (i32.const 0))))
    (local.set $p (global.get $window))
    (local.set $full (i32.add (local.get $p) (i32.and (local.get $len) (i32.const -4))))
    (local.set $end (i32.add (local.get $p) (local.get $len)))
    (local.set $s (i32.or (local.get $seed) (i32.const 1)))
    (block $done
      (loop $words
        (br_if $done (i32.ge_u (local.get $p) (local.get $full)))
        (local.set $s (i32.xor (local.get $s) (i32.shl (local.get $s) (i32.const 13))))
        (local.set $s (i32.xor (local.get $s) (i32.shr_u (local.get $s) (i32.const 17))))
        (local.set $s (i32.xor (local.get $s) (i32.shl (local.get $s) (i32.const 5))))
        (i32.store (local.get $p) (local.get $s))
        (local.set $p (i32.add (local.get $p) (i32.const 4)))
        (br $words)))
    (if (i32.lt_u (local.get $p) (local.get $end))
      (then
        (local.set $s (i32.xor (local.get $s) (i32.shl (local.get $s) (i32.const 13))))
        (local.set $s (i32.xor (local.get $s) (i32.shr_u (local.get $s) (i32.const 17))))
        (local.set $s (i32.xor (local.get $s) (i32.shl (local.get $s) (i32.const 5))))
        (block $tail_done
          (loop $tail
            (br_if $tail_done (i32.ge_u (local.get $p) (local.get $end)))
            (i32.store8 (local.get $p) (local.get $s))
            (local.set $s (i32.shr_u (local.get $s) (i32.const 8)))
            (local.set $p (i32.add (local.get $p) (i32.const 1)))
            (br $tail)))))
    (global.get $window))

  (func (export "set_huge") (param $enable i32) (result i32)
    (global.get $huge)
    (global.set $huge (local.get $enable))))
