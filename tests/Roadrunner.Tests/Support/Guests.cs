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
    /// handler counts messages and remembers the last length. "trap_next" makes the next handler call trap, "trap_alloc_next" the next rr_alloc; "set_alloc_result"
    /// changes the pointer rr_alloc returns.
    /// </summary>
    public const string PushReceiver = """
        (module
          (memory (export "memory") 2)
          (global $count (mut i32) (i32.const 0))
          (global $last (mut i32) (i32.const -1))
          (global $trap (mut i32) (i32.const 0))
          (global $alloc_result (mut i32) (i32.const 65536))
          (global $trap_alloc (mut i32) (i32.const 0))
          (func (export "rr_alloc") (param $len i32) (result i32)
            (if (global.get $trap_alloc) (then unreachable))
            (if (i32.gt_u (local.get $len) (i32.const 65536)) (then (return (i32.const 0))))
            (global.get $alloc_result))
          (func (export "rr_on_message") (param $ptr i32) (param $len i32)
            (if (global.get $trap) (then unreachable))
            (global.set $count (i32.add (global.get $count) (i32.const 1)))
            (global.set $last (local.get $len)))
          (func (export "count") (result i32) (global.get $count))
          (func (export "last_length") (result i32) (global.get $last))
          (func (export "trap_next") (global.set $trap (i32.const 1)))
          (func (export "trap_alloc_next") (global.set $trap_alloc (i32.const 1)))
          (func (export "set_alloc_result") (param i32) (global.set $alloc_result (local.get 0))))
        """;

    /// <summary>
    /// A push receiver that forwards every payload it is given to "sink" (opened on the first message), plus the same
    /// import wrappers as <see cref="Caller"/> so it can send too. Memory: 4 pages; rr_alloc hands out offset 131072 for
    /// payloads up to 131072 bytes and refuses (0) larger ones. "count" counts handled messages (incremented after the
    /// forward), "last_status" is the status of the last forward.
    /// </summary>
    public const string Relay = """
        (module
          (import "roadrunner" "open" (func $open (param i32 i32) (result i32)))
          (import "roadrunner" "close" (func $close (param i32) (result i32)))
          (import "roadrunner" "send" (func $send (param i32 i32 i32) (result i32)))
          (import "roadrunner" "try_send" (func $try_send (param i32 i32 i32) (result i32)))
          (import "roadrunner" "next_length" (func $next_length (result i32)))
          (import "roadrunner" "receive" (func $receive (param i32 i32) (result i32)))
          (import "roadrunner" "receive_wait" (func $receive_wait (param i32 i32 i32) (result i32)))
          (memory (export "memory") 4)
          (data (i32.const 60000) "sink")
          (global $sink (mut i32) (i32.const 0))
          (global $count (mut i32) (i32.const 0))
          (global $status (mut i32) (i32.const 0))
          (func (export "rr_alloc") (param $len i32) (result i32)
            (if (i32.gt_u (local.get $len) (i32.const 131072)) (then (return (i32.const 0))))
            (i32.const 131072))
          (func (export "rr_on_message") (param $ptr i32) (param $len i32)
            (if (i32.le_s (global.get $sink) (i32.const 0))
              (then (global.set $sink (call $open (i32.const 60000) (i32.const 4)))))
            (global.set $status (call $send (global.get $sink) (local.get $ptr) (local.get $len)))
            (global.set $count (i32.add (global.get $count) (i32.const 1))))
          (func (export "count") (result i32) (global.get $count))
          (func (export "last_status") (result i32) (global.get $status))
          (func (export "open") (param i32 i32) (result i32) (call $open (local.get 0) (local.get 1)))
          (func (export "close") (param i32) (result i32) (call $close (local.get 0)))
          (func (export "send") (param i32 i32 i32) (result i32) (call $send (local.get 0) (local.get 1) (local.get 2)))
          (func (export "try_send") (param i32 i32 i32) (result i32) (call $try_send (local.get 0) (local.get 1) (local.get 2)))
          (func (export "next_length") (result i32) (call $next_length))
          (func (export "receive") (param i32 i32) (result i32) (call $receive (local.get 0) (local.get 1)))
          (func (export "receive_wait") (param i32 i32 i32) (result i32) (call $receive_wait (local.get 0) (local.get 1) (local.get 2)))
          (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0))))
        """;

    /// <summary>A pull receiver that never receives: .NET code reads its inbox (guest → .NET through a name).</summary>
    public const string Sink = """
        (module (memory (export "memory") 1))
        """;

    /// <summary>A module that exports no memory at all.</summary>
    public const string NoMemory = """
        (module (func (export "run")))
        """;

    /// <summary>A module whose memory is exported under another name than "memory".</summary>
    public const string MemoryNamedOtherwise = """
        (module (memory (export "mem") 1))
        """;

    /// <summary>
    /// A push receiver whose rr_alloc grows memory for every payload and hands out the start of the new pages (so the
    /// host must re-read the memory after rr_alloc). "last_ptr"/"last_length" describe the last message.
    /// </summary>
    public const string GrowingReceiver = """
        (module
          (memory (export "memory") 1)
          (global $ptr (mut i32) (i32.const -1))
          (global $len (mut i32) (i32.const -1))
          (func (export "rr_alloc") (param $len i32) (result i32)
            (local $old i32)
            (local.set $old (memory.grow (i32.add (i32.shr_u (local.get $len) (i32.const 16)) (i32.const 1))))
            (if (i32.lt_s (local.get $old) (i32.const 0)) (then (return (i32.const 0))))
            (i32.shl (local.get $old) (i32.const 16)))
          (func (export "rr_on_message") (param i32 i32)
            (global.set $ptr (local.get 0))
            (global.set $len (local.get 1)))
          (func (export "last_ptr") (result i32) (global.get $ptr))
          (func (export "last_length") (result i32) (global.get $len)))
        """;
}
