namespace Roadrunner.Tests.Support;

/// <summary>WAT guests used across the tests, compiled at run time.</summary>
internal static class Guests
{
    /// <summary>
    /// Imports every roadrunner function and re-exports thin wrappers so tests can call each import with any
    /// arguments, hostile ones included. Memory: 2 pages (128 KiB); bytes 0..255 hold names written by tests.
    /// </summary>
    public const string Caller = """
        (module
          (import "roadrunner" "open" (func $open (param i32 i32) (result i32)))
          (import "roadrunner" "close" (func $close (param i32) (result i32)))
          (import "roadrunner" "send" (func $send (param i32 i32 i32) (result i32)))
          (import "roadrunner" "try_send" (func $try_send (param i32 i32 i32) (result i32)))
          (import "roadrunner" "next_length" (func $next_length (result i32)))
          (import "roadrunner" "receive" (func $receive (param i32 i32) (result i32)))
          (import "roadrunner" "receive_wait" (func $receive_wait (param i32 i32 i32) (result i32)))
          (memory (export "memory") 2)
          (func (export "open") (param i32 i32) (result i32) (call $open (local.get 0) (local.get 1)))
          (func (export "close") (param i32) (result i32) (call $close (local.get 0)))
          (func (export "send") (param i32 i32 i32) (result i32) (call $send (local.get 0) (local.get 1) (local.get 2)))
          (func (export "try_send") (param i32 i32 i32) (result i32) (call $try_send (local.get 0) (local.get 1) (local.get 2)))
          (func (export "next_length") (result i32) (call $next_length))
          (func (export "receive") (param i32 i32) (result i32) (call $receive (local.get 0) (local.get 1)))
          (func (export "receive_wait") (param i32 i32 i32) (result i32) (call $receive_wait (local.get 0) (local.get 1) (local.get 2)))
          (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0))))
        """;

    /// <summary>
    /// A push receiver: rr_alloc hands out offset 65536 (the second page) or 0 when the payload does not fit; the
    /// handler counts messages and remembers the last length. "trap_next" makes the next handler call trap.
    /// </summary>
    public const string PushReceiver = """
        (module
          (memory (export "memory") 2)
          (global $count (mut i32) (i32.const 0))
          (global $last (mut i32) (i32.const -1))
          (global $trap (mut i32) (i32.const 0))
          (global $alloc_result (mut i32) (i32.const 65536))
          (func (export "rr_alloc") (param $len i32) (result i32)
            (if (i32.gt_u (local.get $len) (i32.const 65536)) (then (return (i32.const 0))))
            (global.get $alloc_result))
          (func (export "rr_on_message") (param $ptr i32) (param $len i32)
            (if (global.get $trap) (then unreachable))
            (global.set $count (i32.add (global.get $count) (i32.const 1)))
            (global.set $last (local.get $len)))
          (func (export "count") (result i32) (global.get $count))
          (func (export "last_length") (result i32) (global.get $last))
          (func (export "trap_next") (global.set $trap (i32.const 1)))
          (func (export "set_alloc_result") (param i32) (global.set $alloc_result (local.get 0))))
        """;
}
