using System.Text;
using Roadrunner.Hosting;

namespace Roadrunner.Tests.Support;

/// <summary>
/// Typed calls into a guest built from <see cref="Guests.Caller"/> or <see cref="Guests.Relay"/> (thin wrappers around
/// each roadrunner import), each made through <see cref="WasmFunction.Run{T}"/>.
/// </summary>
internal sealed class GuestCalls(WasmFunction function)
{
    /// <summary>Where <see cref="Open(string)"/> writes the name.</summary>
    public const int NameOffset = 0;

    /// <summary>A scratch area tests put payloads in.</summary>
    public const int DataOffset = 1024;

    public WasmFunction Function => function;

    public long MemoryLength => function.Run(i => i.GetMemory("memory")!.GetLength());

    public void Write(long offset, byte[] bytes) => function.Run(i =>
    {
        bytes.CopyTo(i.GetMemory("memory")!.GetSpan(offset, bytes.Length));
        return 0;
    });

    public byte[] Read(long offset, int length) => function.Run(i => i.GetMemory("memory")!.GetSpan(offset, length).ToArray());

    /// <summary>Writes the name at <see cref="NameOffset"/> and opens it.</summary>
    public int Open(string name)
    {
        byte[] bytes = Encoding.UTF8.GetBytes(name);
        Write(NameOffset, bytes);
        return Open(NameOffset, bytes.Length);
    }

    public int Open(int pointer, int length) => function.Run(i => i.GetFunction<int, int, int>("open")!(pointer, length));

    public int Close(int handle) => function.Run(i => i.GetFunction<int, int>("close")!(handle));

    public int Send(int handle, int pointer, int length) => function.Run(i => i.GetFunction<int, int, int, int>("send")!(handle, pointer, length));

    public int TrySend(int handle, int pointer, int length) => function.Run(i => i.GetFunction<int, int, int, int>("try_send")!(handle, pointer, length));

    /// <summary>Writes <paramref name="payload"/> at <paramref name="offset"/> and sends it.</summary>
    public int Send(int handle, byte[] payload, int offset = DataOffset)
    {
        Write(offset, payload);
        return Send(handle, offset, payload.Length);
    }

    public int NextLength() => function.Run(i => i.GetFunction<int>("next_length")!());

    public int Receive(int pointer, int capacity) => function.Run(i => i.GetFunction<int, int, int>("receive")!(pointer, capacity));

    public int ReceiveWait(int pointer, int capacity, int timeoutMilliseconds) =>
        function.Run(i => i.GetFunction<int, int, int, int>("receive_wait")!(pointer, capacity, timeoutMilliseconds));

    /// <summary>memory.grow by <paramref name="pages"/>; returns the old size in pages or -1.</summary>
    public int Grow(int pages) => function.Run(i => i.GetFunction<int, int>("grow")!(pages));

    /// <summary>Calls a no-argument export returning i32 (counters of the test guests).</summary>
    public int Get(string export) => function.Run(i => i.GetFunction<int>(export)!());
}
