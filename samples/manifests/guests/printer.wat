;; printer: a push receiver that writes every payload it gets to its standard output as one line,
;; "received N bytes: <payload>" (a trailing newline of the payload dropped). The host logs guest output
;; (functions.wasi.standard_output = "Log", the default), so the line shows up in the node's console log.
(module
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  ;; 0..15: iovec and fd_write's count; 64..: text; 1024..: the line; 8192..: the message buffer
  (data (i32.const 64) "received ")
  (data (i32.const 80) " bytes: ")
  (global $buffer i32 (i32.const 8192))
  (global $line i32 (i32.const 1024))
  (global $end (mut i32) (i32.const 1024))

  ;; Appends [ptr, ptr + len) to the line.
  (func $append (param $ptr i32) (param $len i32)
    (memory.copy (global.get $end) (local.get $ptr) (local.get $len))
    (global.set $end (i32.add (global.get $end) (local.get $len))))

  ;; Appends the decimal digits of n to the line.
  (func $append_number (param $n i32)
    (local $count i32) (local $i i32) (local $t i32)
    (local.set $t (local.get $n))
    (loop $count_digits
      (local.set $count (i32.add (local.get $count) (i32.const 1)))
      (local.set $t (i32.div_u (local.get $t) (i32.const 10)))
      (br_if $count_digits (local.get $t)))
    (local.set $i (local.get $count))
    (loop $write
      (local.set $i (i32.sub (local.get $i) (i32.const 1)))
      (i32.store8 (i32.add (global.get $end) (local.get $i)) (i32.add (i32.const 48) (i32.rem_u (local.get $n) (i32.const 10))))
      (local.set $n (i32.div_u (local.get $n) (i32.const 10)))
      (br_if $write (local.get $i)))
    (global.set $end (i32.add (global.get $end) (local.get $count))))

  ;; One reusable buffer, grown to hold the largest payload so far.
  (func (export "rr_alloc") (param $len i32) (result i32)
    (local $pages i32)
    (local.set $pages (i32.shr_u (i32.add (i32.add (global.get $buffer) (local.get $len)) (i32.const 65535)) (i32.const 16)))
    (if (i32.gt_u (local.get $pages) (memory.size))
      (then (if (i32.eq (memory.grow (i32.sub (local.get $pages) (memory.size))) (i32.const -1))
        (then (return (i32.const 0))))))
    (global.get $buffer))

  (func (export "rr_on_message") (param $ptr i32) (param $len i32)
    (local $shown i32)
    (local.set $shown (local.get $len))
    (if (i32.and (i32.gt_s (local.get $len) (i32.const 0))
                 (i32.eq (i32.load8_u (i32.add (local.get $ptr) (i32.sub (local.get $len) (i32.const 1)))) (i32.const 10)))
      (then (local.set $shown (i32.sub (local.get $len) (i32.const 1)))))
    (if (i32.gt_u (local.get $shown) (i32.const 4096)) (then (local.set $shown (i32.const 4096)))) ;; the line has room for 4 KiB
    (global.set $end (global.get $line))
    (call $append (i32.const 64) (i32.const 9))
    (call $append_number (local.get $len))
    (call $append (i32.const 80) (i32.const 8))
    (call $append (local.get $ptr) (local.get $shown))
    (i32.store8 (global.get $end) (i32.const 10))
    (global.set $end (i32.add (global.get $end) (i32.const 1)))
    (i32.store (i32.const 0) (global.get $line))
    (i32.store (i32.const 4) (i32.sub (global.get $end) (global.get $line)))
    (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))))
