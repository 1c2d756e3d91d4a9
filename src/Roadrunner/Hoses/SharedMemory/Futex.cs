using System.Runtime.InteropServices;

namespace Roadrunner.Hoses.SharedMemory;

/// <summary>
/// Linux futex on a 32-bit word in a shared mapping, through <c>syscall(SYS_futex, ...)</c>. Shared (not
/// <c>FUTEX_PRIVATE_FLAG</c>) because the waiter and the waker are different processes mapping the same file.
/// Every wait has a timeout, so a dead peer can never hang a waiter.
/// </summary>
internal static unsafe partial class Futex
{
    private const int FutexWait = 0;
    private const int FutexWake = 1;

    /// <summary>True where the futex syscall is available (Linux on x86-64, arm64, arm, x86).</summary>
    public static bool IsSupported { get; } = OperatingSystem.IsLinux() && SyscallNumber() > 0;

    private static readonly long Number = SyscallNumber();

    /// <summary>Sleeps while <c>*address == expected</c>, at most <paramref name="timeoutMicroseconds"/>, or until woken.</summary>
    public static void Wait(int* address, int expected, long timeoutMicroseconds)
    {
        if (!IsSupported)
        {
            Thread.Sleep(TimeSpan.FromMicroseconds(Math.Max(timeoutMicroseconds, 1000)));
            return;
        }

        var timeout = new TimeSpec { Seconds = timeoutMicroseconds / 1_000_000, Nanoseconds = timeoutMicroseconds % 1_000_000 * 1000 };
        // Returns 0 (woken), or -1 with EAGAIN (the word changed), ETIMEDOUT or EINTR: all mean "look again".
        _ = Syscall(Number, (nint)address, FutexWait, expected, (nint)(&timeout), 0, 0);
    }

    /// <summary>Wakes every process waiting on <paramref name="address"/>.</summary>
    public static void WakeAll(int* address)
    {
        if (IsSupported)
        {
            _ = Syscall(Number, (nint)address, FutexWake, int.MaxValue, 0, 0, 0);
        }
    }

    private static long SyscallNumber() => RuntimeInformation.ProcessArchitecture switch
    {
        Architecture.X64 => 202,
        Architecture.Arm64 => 98,
        Architecture.LoongArch64 => 98,
        Architecture.RiscV64 => 98,
        Architecture.Arm => 240,
        Architecture.X86 => 240,
        _ => -1,
    };

    [LibraryImport("libc", EntryPoint = "syscall")]
    private static partial long Syscall(long number, nint address, int operation, int value, nint timeout, nint address2, int value3);

    [StructLayout(LayoutKind.Sequential)]
    private struct TimeSpec
    {
        public long Seconds;
        public long Nanoseconds;
    }
}
