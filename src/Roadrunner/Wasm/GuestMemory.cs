using Wasmtime;

namespace Roadrunner.Wasm;

/// <summary>
/// A guest's linear memory, looked up once per instance and bounds-checked on every access. The base pointer and
/// size are read again on each access because <c>memory.grow</c> (or any call into wasm) may move or resize it.
/// </summary>
internal sealed class GuestMemory
{
    private Memory? _memory;

    /// <summary>True once the memory is known.</summary>
    public bool IsBound => _memory is not null;

    /// <summary>Where the memory starts now (0 when unbound).</summary>
    public nint Start => _memory?.GetPointer() ?? 0;

    /// <summary>The memory's current size in bytes (0 when unbound).</summary>
    public ulong Size => (ulong)(_memory?.GetLength() ?? 0);

    /// <summary>Caches the instance's exported memory.</summary>
    public void Bind(Memory memory) => _memory = memory;

    /// <summary>Caches the memory from a host call's caller, the first time only.</summary>
    public void BindFrom(Caller caller)
    {
        if (_memory is null)
        {
            _memory = caller.GetMemory("memory");
        }
    }

    /// <summary>
    /// The guest bytes <c>[address, address + length)</c>, if the whole range lies inside the memory.
    /// <paramref name="address"/> is a wasm32 pointer, so it is read as unsigned.
    /// </summary>
    public unsafe bool TryGetSpan(int address, int length, out Span<byte> span)
    {
        span = default;
        Memory? memory = _memory;
        if (memory is null || length < 0)
        {
            return false;
        }

        ulong start = (uint)address;
        ulong end = start + (ulong)length;
        if (end > (ulong)memory.GetLength())
        {
            return false;
        }

        span = new Span<byte>((byte*)memory.GetPointer() + start, length);
        return true;
    }
}
