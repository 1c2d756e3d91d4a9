using System.Diagnostics.CodeAnalysis;

namespace Roadrunner.Wasm;

/// <summary>The hoses a guest instance has opened, by handle (1, 2, …). Closed slots are reused.</summary>
internal sealed class HandleTable(int capacity)
{
    private readonly List<IHoseSender?> _slots = [];

    /// <summary>Adds a hose and returns its handle, or <see cref="HoseStatus.TooManyHandles"/>.</summary>
    public int Add(IHoseSender sender)
    {
        int free = _slots.IndexOf(null);
        if (free >= 0)
        {
            _slots[free] = sender;
            return free + 1;
        }

        if (_slots.Count >= capacity)
        {
            return (int)HoseStatus.TooManyHandles;
        }

        _slots.Add(sender);
        return _slots.Count;
    }

    /// <summary>Looks a handle up.</summary>
    public bool TryGet(int handle, [NotNullWhen(true)] out IHoseSender? sender)
    {
        sender = handle >= 1 && handle <= _slots.Count ? _slots[handle - 1] : null;
        return sender is not null;
    }

    /// <summary>Closes a handle; false when it was not open.</summary>
    public bool Remove(int handle)
    {
        if (!TryGet(handle, out _))
        {
            return false;
        }

        _slots[handle - 1] = null;
        return true;
    }
}
