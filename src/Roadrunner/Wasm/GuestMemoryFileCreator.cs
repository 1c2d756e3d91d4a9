using System.Reflection;
using System.Runtime.InteropServices;
using System.Text;
using Roadrunner.Regions;
using Wasmtime;

namespace Roadrunner.Wasm;

/// <summary>
/// Makes an engine keep every guest memory in a <see cref="GuestMemoryFile"/>, through Wasmtime's host memory creator
/// (<c>wasmtime_config_host_memory_creator_set</c>, which the .NET binding does not wrap). The callbacks run on Wasmtime's
/// threads and never let an exception out: a failure becomes a Wasmtime error, which fails the instantiation or the
/// <c>memory.grow</c>, as a full address space would.
/// </summary>
internal static unsafe partial class GuestMemoryFileCreator
{
    /// <summary>Sets the creator on <paramref name="config"/>; memory files are named by <paramref name="folder"/>.</summary>
    /// <exception cref="PlatformNotSupportedException">Not Linux, or a Wasmtime binding without the config handle.</exception>
    public static Config Install(Config config, RegionFolder folder)
    {
        if (!OperatingSystem.IsLinux())
        {
            throw new PlatformNotSupportedException("Guest memories in files need Linux.");
        }

        var handle = typeof(Config).GetProperty("NativeHandle", BindingFlags.NonPublic | BindingFlags.Instance)?.GetValue(config) as SafeHandle
            ?? throw new PlatformNotSupportedException("This Wasmtime binding does not expose its config handle.");
        config.WithMemoryInitCopyOnWrite(false); // copy-on-write images only work with Wasmtime's own memories
        var creator = new MemoryCreator
        {
            Environment = GCHandle.ToIntPtr(GCHandle.Alloc(folder)),
            NewMemory = &NewMemory,
            Finalizer = &FreeHandle,
        };
        bool added = false;
        handle.DangerousAddRef(ref added);
        try
        {
            SetCreator(handle.DangerousGetHandle(), &creator); // copies the struct
        }
        finally
        {
            if (added)
            {
                handle.DangerousRelease();
            }
        }

        return config;
    }

    [UnmanagedCallersOnly]
    private static nint NewMemory(nint environment, nint type, nuint minimum, nuint maximum, nuint reserved, nuint guard, LinearMemory* result)
    {
        try
        {
            var folder = (RegionFolder)GCHandle.FromIntPtr(environment).Target!;
            GuestMemoryFile memory = GuestMemoryFile.Create(folder.NextRegionPath(), minimum, maximum, reserved, guard, HugePageMounts.Covers(folder.Path));
            result->Environment = GCHandle.ToIntPtr(GCHandle.Alloc(memory));
            result->GetMemory = &GetMemory;
            result->GrowMemory = &GrowMemory;
            result->Finalizer = &FreeMemory;
            return 0;
        }
#pragma warning disable CA1031 // an exception must not unwind into Wasmtime: it becomes a Wasmtime error
        catch (Exception e)
#pragma warning restore CA1031
        {
            (e as RegionFolderFullException)?.Count();
            return Error("Roadrunner could not create a guest memory file: " + e.Message);
        }
    }

    [UnmanagedCallersOnly]
    private static byte* GetMemory(nint environment, nuint* size, nuint* capacity)
    {
        var memory = (GuestMemoryFile)GCHandle.FromIntPtr(environment).Target!;
        *size = memory.Size;
        *capacity = memory.Capacity;
        return memory.Start;
    }

    [UnmanagedCallersOnly]
    private static nint GrowMemory(nint environment, nuint newSize)
    {
        try
        {
            ((GuestMemoryFile)GCHandle.FromIntPtr(environment).Target!).Grow(newSize);
            return 0;
        }
#pragma warning disable CA1031 // as above
        catch (Exception e)
#pragma warning restore CA1031
        {
            (e as RegionFolderFullException)?.Count();
            return Error(e.Message); // Wasmtime turns a failed grow into -1 for the guest
        }
    }

    [UnmanagedCallersOnly]
    private static void FreeMemory(nint environment)
    {
        GCHandle handle = GCHandle.FromIntPtr(environment);
        ((GuestMemoryFile)handle.Target!).Dispose();
        handle.Free();
    }

    [UnmanagedCallersOnly]
    private static void FreeHandle(nint environment) => GCHandle.FromIntPtr(environment).Free();

    private static nint Error(string message)
    {
        byte[] text = Encoding.UTF8.GetBytes(message + "\0");
        fixed (byte* start = text)
        {
            return NewError(start);
        }
    }

    [LibraryImport("wasmtime", EntryPoint = "wasmtime_config_host_memory_creator_set")]
    private static partial void SetCreator(nint config, MemoryCreator* creator);

    [LibraryImport("wasmtime", EntryPoint = "wasmtime_error_new")]
    private static partial nint NewError(byte* message);

    /// <summary><c>wasmtime_memory_creator_t</c>.</summary>
    [StructLayout(LayoutKind.Sequential)]
    private struct MemoryCreator
    {
        public nint Environment;
        public delegate* unmanaged<nint, nint, nuint, nuint, nuint, nuint, LinearMemory*, nint> NewMemory;
        public delegate* unmanaged<nint, void> Finalizer;
    }

    /// <summary><c>wasmtime_linear_memory_t</c>.</summary>
    [StructLayout(LayoutKind.Sequential)]
    private struct LinearMemory
    {
        public nint Environment;
        public delegate* unmanaged<nint, nuint*, nuint*, byte*> GetMemory;
        public delegate* unmanaged<nint, nuint, nint> GrowMemory;
        public delegate* unmanaged<nint, void> Finalizer;
    }
}
