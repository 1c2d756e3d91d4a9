using System.Text;
using Roadrunner.Hosting;

namespace Roadrunner.Tests.Support;

/// <summary>
/// A guest of ABI version 2 that is both a zero-copy sender (wrappers around <c>claim</c>, <c>commit</c>, <c>abort</c>)
/// and a push receiver exporting <c>rr_alloc_window</c> (the window the test sets; 0 declines), with typed calls.
/// The handler records the pointer, length and checksum of each payload, counts nonzero bytes in the last page past the
/// payload, and, by mode, traps (1), spins until the push deadline (2), or writes 0xEE into every page of the payload
/// after checksumming it (3). With a claim handle set it also tries to claim its own receive window. Memory: 2 pages;
/// the name of an open goes at 0; <c>rr_alloc</c> grows the memory for each copied payload.
/// </summary>
internal sealed class ZeroCopyGuest(WasmFunction function)
{
    public const int Page = 65536;

    public const string Wat = """
        (module
          (import "roadrunner" "open" (func $open (param i32 i32) (result i32)))
          (import "roadrunner" "close" (func $close (param i32) (result i32)))
          (import "roadrunner" "send" (func $send (param i32 i32 i32) (result i32)))
          (import "roadrunner" "abi_version" (func $abi (result i32)))
          (import "roadrunner" "claim" (func $claim (param i32 i32 i32) (result i32)))
          (import "roadrunner" "commit" (func $commit (param i32 i32 i32) (result i32)))
          (import "roadrunner" "abort" (func $abort (param i32 i32) (result i32)))
          (memory (export "memory") 2)
          (global $window (mut i32) (i32.const 0))
          (global $mode (mut i32) (i32.const 0))
          (global $count (mut i32) (i32.const 0))
          (global $ptr (mut i32) (i32.const 0))
          (global $len (mut i32) (i32.const -1))
          (global $sum (mut i32) (i32.const 0))
          (global $tail (mut i32) (i32.const -1))
          (global $claim_handle (mut i32) (i32.const 0))
          (global $inner (mut i32) (i32.const 1))
          (func $checksum (export "checksum") (param $p i32) (param $n i32) (result i32)
            (local $h i32) (local $end i32)
            (local.set $h (i32.const 17))
            (local.set $end (i32.add (local.get $p) (local.get $n)))
            (block $done (loop $next
              (br_if $done (i32.ge_u (local.get $p) (local.get $end)))
              (local.set $h (i32.add (i32.mul (local.get $h) (i32.const 31)) (i32.load8_u (local.get $p))))
              (local.set $p (i32.add (local.get $p) (i32.const 1)))
              (br $next)))
            (local.get $h))
          (func $nonzero (export "nonzero") (param $p i32) (param $n i32) (result i32)
            (local $c i32) (local $end i32)
            (local.set $end (i32.add (local.get $p) (local.get $n)))
            (block $done (loop $next
              (br_if $done (i32.ge_u (local.get $p) (local.get $end)))
              (if (i32.load8_u (local.get $p)) (then (local.set $c (i32.add (local.get $c) (i32.const 1)))))
              (local.set $p (i32.add (local.get $p) (i32.const 1)))
              (br $next)))
            (local.get $c))
          (func $stamp (param $p i32) (param $n i32)
            (local $end i32)
            (local.set $end (i32.add (local.get $p) (local.get $n)))
            (block $done (loop $next
              (br_if $done (i32.ge_u (local.get $p) (local.get $end)))
              (i32.store8 (local.get $p) (i32.const 0xEE))
              (local.set $p (i32.add (local.get $p) (i32.const 4096)))
              (br $next))))
          (func (export "rr_alloc") (param $len i32) (result i32)
            (local $old i32)
            (local.set $old (memory.grow (i32.shr_u (i32.add (local.get $len) (i32.const 65535)) (i32.const 16))))
            (if (i32.eq (local.get $old) (i32.const -1)) (then (return (i32.const 0))))
            (i32.shl (local.get $old) (i32.const 16)))
          (func (export "rr_alloc_window") (param $len i32) (result i32) (global.get $window))
          (func (export "rr_on_message") (param $p i32) (param $n i32)
            (if (i32.eq (global.get $mode) (i32.const 1)) (then unreachable))
            (if (i32.eq (global.get $mode) (i32.const 2)) (then (loop $spin (br $spin))))
            (global.set $count (i32.add (global.get $count) (i32.const 1)))
            (global.set $ptr (local.get $p))
            (global.set $len (local.get $n))
            (global.set $sum (call $checksum (local.get $p) (local.get $n)))
            (global.set $tail (call $nonzero (i32.add (local.get $p) (local.get $n))
              (i32.sub (i32.and (i32.add (local.get $n) (i32.const 4095)) (i32.const -4096)) (local.get $n))))
            (if (i32.eq (global.get $mode) (i32.const 3)) (then (call $stamp (local.get $p) (local.get $n))))
            (if (global.get $claim_handle)
              (then (global.set $inner (call $claim (global.get $claim_handle) (local.get $p) (i32.const 1))))))
          (func (export "open") (param i32 i32) (result i32) (call $open (local.get 0) (local.get 1)))
          (func (export "close") (param i32) (result i32) (call $close (local.get 0)))
          (func (export "send") (param i32 i32 i32) (result i32) (call $send (local.get 0) (local.get 1) (local.get 2)))
          (func (export "abi") (result i32) (call $abi))
          (func (export "claim") (param i32 i32 i32) (result i32) (call $claim (local.get 0) (local.get 1) (local.get 2)))
          (func (export "commit") (param i32 i32 i32) (result i32) (call $commit (local.get 0) (local.get 1) (local.get 2)))
          (func (export "abort") (param i32 i32) (result i32) (call $abort (local.get 0) (local.get 1)))
          (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0)))
          (func (export "set_window") (param i32) (global.set $window (local.get 0)))
          (func (export "set_mode") (param i32) (global.set $mode (local.get 0)))
          (func (export "set_claim_handle") (param i32) (global.set $claim_handle (local.get 0)))
          (func (export "count") (result i32) (global.get $count))
          (func (export "ptr") (result i32) (global.get $ptr))
          (func (export "len") (result i32) (global.get $len))
          (func (export "sum") (result i32) (global.get $sum))
          (func (export "tail") (result i32) (global.get $tail))
          (func (export "inner") (result i32) (global.get $inner)))
        """;

    public WasmFunction Function => function;

    /// <summary>The checksum the guest computes, in C#.</summary>
    public static int Checksum(ReadOnlySpan<byte> bytes)
    {
        uint h = 17;
        foreach (byte b in bytes)
        {
            h = (h * 31) + b;
        }

        return (int)h;
    }

    public int Open(string name)
    {
        byte[] bytes = Encoding.UTF8.GetBytes(name);
        Write(0, bytes);
        return function.Run(i => i.GetFunction<int, int, int>("open")!(0, bytes.Length));
    }

    public int Close(int handle) => function.Run(i => i.GetFunction<int, int>("close")!(handle));

    public int Abi() => Get("abi");

    public int Claim(int handle, uint pointer, uint length) => function.Run(i => i.GetFunction<int, int, int, int>("claim")!(handle, (int)pointer, (int)length));

    public int Commit(int handle, uint pointer, uint length) => function.Run(i => i.GetFunction<int, int, int, int>("commit")!(handle, (int)pointer, (int)length));

    public int Abort(int handle, uint pointer) => function.Run(i => i.GetFunction<int, int, int>("abort")!(handle, (int)pointer));

    public int Send(int handle, uint pointer, uint length) => function.Run(i => i.GetFunction<int, int, int, int>("send")!(handle, (int)pointer, (int)length));

    /// <summary>Grows the memory by enough pages for <paramref name="bytes"/> and returns where the new part starts (a fresh window).</summary>
    public uint NewWindow(long bytes)
    {
        int pages = (int)((bytes + Page - 1) / Page);
        int old = function.Run(i => i.GetFunction<int, int>("grow")!(Math.Max(1, pages)));
        Assert.That(old, Is.GreaterThan(0), "memory.grow");
        return (uint)old * Page;
    }

    public int Grow(int pages) => function.Run(i => i.GetFunction<int, int>("grow")!(pages));

    public long MemoryLength => function.Run(i => i.GetMemory("memory")!.GetLength());

    public void SetWindow(uint pointer) => function.Run(i =>
    {
        i.GetAction<int>("set_window")!((int)pointer);
        return 0;
    });

    public void SetMode(int mode) => function.Run(i =>
    {
        i.GetAction<int>("set_mode")!(mode);
        return 0;
    });

    public void SetClaimHandle(int handle) => function.Run(i =>
    {
        i.GetAction<int>("set_claim_handle")!(handle);
        return 0;
    });

    public int Get(string export) => function.Run(i => i.GetFunction<int>(export)!());

    public int ChecksumOf(uint pointer, int length) => function.Run(i => i.GetFunction<int, int, int>("checksum")!((int)pointer, length));

    public int NonzeroIn(uint pointer, int length) => function.Run(i => i.GetFunction<int, int, int>("nonzero")!((int)pointer, length));

    public void Write(long offset, ReadOnlySpan<byte> bytes)
    {
        byte[] copy = bytes.ToArray();
        function.Run(i =>
        {
            copy.CopyTo(i.GetMemory("memory")!.GetSpan(offset, copy.Length));
            return 0;
        });
    }

    public byte[] Read(long offset, int length) => function.Run(i => i.GetMemory("memory")!.GetSpan(offset, length).ToArray());
}
