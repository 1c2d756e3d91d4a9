;; zc-consumer.wat - the zero-copy push receiver of the benchmarks (guest ABI version 2, docs/guest-abi.md).
;;
;; It exports rr_alloc_window (one window of memory grown for that alone, reused) besides rr_alloc (one buffer, for
;; payloads the host copies: below its mapping crossover, or without memories in files) and rr_on_message. The
;; handler does what consumer.c's does: O(1) (length, first and last byte) or, with set_read_all(1), it also reads
;; every byte with consumer.c's sum_bytes loop. A consumer that reads every byte declines windows (rr_alloc_window
;; answers 0, so the host copies), as docs/zero-copy.md advises: with 4 KiB pages a fault per mapped page costs more
;; than the copy; set_read_all(2) reads every byte and keeps taking windows (where the host's folder has huge pages,
;; a fault maps 2 MiB and mapping wins). A mapped payload is there only while the handler runs, so the
;; checksum is computed inside it, when set_verify(1) asks for it (untimed verification transfers).
;;
;; Exports: memory, rr_alloc_window, rr_alloc, rr_on_message; set_ack(enable) -> open status (acks of 8 bytes, length
;; and count, to "ack"), set_read_all(0 | 1 | 2) -> old value, set_verify(enable) -> old flag; message_count, last_length,
;; last_first_byte, last_last_byte, windowed_count (messages that arrived in the window, i.e. mapped), checksum() -> i64
;; (of the last message handled with set_verify(1)), read_sum() -> i64.
(module
  (import "roadrunner" "open" (func $open (param i32 i32) (result i32)))
  (import "roadrunner" "send" (func $send (param i32 i32 i32) (result i32)))
  (import "roadrunner" "close" (func $close (param i32) (result i32)))
  (memory (export "memory") 1 65536)
  (data (i32.const 16) "ack")
  ;; 32..40: the ack being sent (length, count).
  (global $window (mut i32) (i32.const 0))
  (global $window_size (mut i32) (i32.const 0))
  (global $huge (mut i32) (i32.const 0))
  (global $buffer (mut i32) (i32.const 0))
  (global $buffer_size (mut i32) (i32.const 0))
  (global $ack (mut i32) (i32.const 0))
  (global $read_all (mut i32) (i32.const 0))
  (global $verify (mut i32) (i32.const 0))
  (global $count (mut i32) (i32.const 0))
  (global $windowed (mut i32) (i32.const 0))
  (global $last_len (mut i32) (i32.const 0))
  (global $first (mut i32) (i32.const -1))
  (global $last (mut i32) (i32.const -1))
  (global $sum (mut i64) (i64.const 0))
  (global $checksum (mut i64) (i64.const 0))

  ;; round_up(len, 64 KiB) bytes (at least one page) from memory.grow, or 0.
  (func $grow (param $len i32) (result i32)
    (local $size i32) (local $old i32)
    (local.set $size (i32.and (i32.add (local.get $len) (i32.const 65535)) (i32.const -65536)))
    (if (i32.eqz (local.get $size)) (then (local.set $size (i32.const 65536))))
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
    (i32.shl (local.get $old) (i32.const 16)))

  (func (export "rr_alloc_window") (param $len i32) (result i32)
    (local $p i32)
    (if (i32.eq (global.get $read_all) (i32.const 1)) (then (return (i32.const 0))))
    (if (i32.gt_u (local.get $len) (global.get $window_size))
      (then
        (local.set $p (call $grow (local.get $len)))
        (if (i32.eqz (local.get $p)) (then (return (i32.const 0))))
        (global.set $window (local.get $p))
        (global.set $window_size (i32.and (i32.add (local.get $len) (i32.const 65535)) (i32.const -65536)))))
    (if (i32.eqz (global.get $window_size))
      (then
        (global.set $window (call $grow (i32.const 0)))
        (global.set $window_size (if (result i32) (global.get $window) (then (i32.const 65536)) (else (i32.const 0))))))
    (global.get $window))

  (func (export "rr_alloc") (param $len i32) (result i32)
    (local $p i32)
    (if (i32.or (i32.eqz (global.get $buffer)) (i32.gt_u (local.get $len) (global.get $buffer_size)))
      (then
        (local.set $p (call $grow (local.get $len)))
        (if (i32.eqz (local.get $p)) (then (return (i32.const 0))))
        (global.set $buffer (local.get $p))
        (global.set $buffer_size (i32.and (i32.add (local.get $len) (i32.const 65535)) (i32.const -65536)))))
    (global.get $buffer))

  (func (export "rr_on_message") (param $ptr i32) (param $len i32)
    (global.set $last_len (local.get $len))
    (global.set $count (i32.add (global.get $count) (i32.const 1)))
    (if (i32.and (i32.ne (global.get $window_size) (i32.const 0)) (i32.eq (local.get $ptr) (global.get $window)))
      (then (global.set $windowed (i32.add (global.get $windowed) (i32.const 1)))))
    (if (i32.gt_s (local.get $len) (i32.const 0))
      (then
        (global.set $first (i32.load8_u (local.get $ptr)))
        (global.set $last (i32.load8_u (i32.sub (i32.add (local.get $ptr) (local.get $len)) (i32.const 1)))))
      (else
        (global.set $first (i32.const -1))
        (global.set $last (i32.const -1))))
    (global.set $sum
      (if (result i64) (global.get $read_all)
        (then (call $sum_bytes (local.get $ptr) (local.get $len)))
        (else (i64.const 0))))
    (if (global.get $verify)
      (then (global.set $checksum (call $fnv (local.get $ptr) (local.get $len)))))
    (if (i32.gt_s (global.get $ack) (i32.const 0))
      (then
        (i32.store (i32.const 32) (local.get $len))
        (i32.store (i32.const 36) (global.get $count))
        (drop (call $send (global.get $ack) (i32.const 32) (i32.const 8))))))

  ;; consumer.c's sum_bytes: four sums over 32-byte blocks, then 8-byte words, then the tail bytes.
  (func $sum_bytes (param $p i32) (param $len i32) (result i64)
    (local $a i64) (local $b i64) (local $c i64) (local $d i64)
    (local $blocks i32) (local $words i32) (local $end i32)
    (local.set $end (i32.add (local.get $p) (local.get $len)))
    (local.set $blocks (i32.add (local.get $p) (i32.and (local.get $len) (i32.const -32))))
    (local.set $words (i32.add (local.get $p) (i32.and (local.get $len) (i32.const -8))))
    (block $done
      (loop $block
        (br_if $done (i32.ge_u (local.get $p) (local.get $blocks)))
        (local.set $a (i64.add (local.get $a) (i64.load (local.get $p))))
        (local.set $b (i64.add (local.get $b) (i64.load offset=8 (local.get $p))))
        (local.set $c (i64.add (local.get $c) (i64.load offset=16 (local.get $p))))
        (local.set $d (i64.add (local.get $d) (i64.load offset=24 (local.get $p))))
        (local.set $p (i32.add (local.get $p) (i32.const 32)))
        (br $block)))
    (block $done
      (loop $word
        (br_if $done (i32.ge_u (local.get $p) (local.get $words)))
        (local.set $a (i64.add (local.get $a) (i64.load (local.get $p))))
        (local.set $p (i32.add (local.get $p) (i32.const 8)))
        (br $word)))
    (block $done
      (loop $byte
        (br_if $done (i32.ge_u (local.get $p) (local.get $end)))
        (local.set $a (i64.add (local.get $a) (i64.extend_i32_u (i32.load8_u (local.get $p)))))
        (local.set $p (i32.add (local.get $p) (i32.const 1)))
        (br $byte)))
    (i64.add (i64.add (local.get $a) (local.get $b)) (i64.add (local.get $c) (local.get $d))))

  ;; consumer.c's checksum (Roadrunner.Workloads.Checksum.Compute).
  (func $fnv (param $p i32) (param $len i32) (result i64)
    (local $h i64) (local $words i32) (local $end i32)
    (local.set $h (i64.const 0xcbf29ce484222325))
    (local.set $end (i32.add (local.get $p) (local.get $len)))
    (local.set $words (i32.add (local.get $p) (i32.and (local.get $len) (i32.const -8))))
    (block $done
      (loop $word
        (br_if $done (i32.ge_u (local.get $p) (local.get $words)))
        (local.set $h (i64.mul (i64.xor (local.get $h) (i64.load (local.get $p))) (i64.const 0x100000001b3)))
        (local.set $p (i32.add (local.get $p) (i32.const 8)))
        (br $word)))
    (block $done
      (loop $byte
        (br_if $done (i32.ge_u (local.get $p) (local.get $end)))
        (local.set $h (i64.mul (i64.xor (local.get $h) (i64.extend_i32_u (i32.load8_u (local.get $p)))) (i64.const 0x100000001b3)))
        (local.set $p (i32.add (local.get $p) (i32.const 1)))
        (br $byte)))
    (i64.xor (local.get $h) (i64.extend_i32_u (local.get $len))))

  (func (export "set_ack") (param $enable i32) (result i32)
    (local $h i32)
    (if (i32.gt_s (global.get $ack) (i32.const 0))
      (then (drop (call $close (global.get $ack))) (global.set $ack (i32.const 0))))
    (if (i32.eqz (local.get $enable)) (then (return (i32.const 0))))
    (local.set $h (call $open (i32.const 16) (i32.const 3)))
    (if (i32.gt_s (local.get $h) (i32.const 0)) (then (global.set $ack (local.get $h))))
    (local.get $h))

  (func (export "set_read_all") (param $mode i32) (result i32)
    (global.get $read_all)
    (global.set $read_all (local.get $mode)))

  (func (export "set_verify") (param $enable i32) (result i32)
    (global.get $verify)
    (global.set $verify (i32.ne (local.get $enable) (i32.const 0))))

  (func (export "message_count") (result i32) (global.get $count))
  (func (export "windowed_count") (result i32) (global.get $windowed))
  (func (export "last_length") (result i32) (global.get $last_len))
  (func (export "last_first_byte") (result i32) (global.get $first))
  (func (export "last_last_byte") (result i32) (global.get $last))
  (func (export "checksum") (result i64) (global.get $checksum))
  (func (export "read_sum") (result i64) (global.get $sum))

  (func (export "set_huge") (param $enable i32) (result i32)
    (global.get $huge)
    (global.set $huge (local.get $enable))))
