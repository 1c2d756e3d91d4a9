using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;

namespace Roadrunner.Hosting;

/// <summary>
/// Names known to a <see cref="FunctionHost"/>: its functions' inboxes and routes, then any directories added for
/// other processes or nodes, asked in the order they were added.
/// </summary>
internal sealed class LocalDirectory : IHoseDirectory
{
    private readonly ConcurrentDictionary<string, IHoseSender> _local = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Func<IHoseSender?>> _openedEachTime = new(StringComparer.Ordinal);
    private readonly Lock _adding = new();
    private volatile IHoseDirectory[] _fallbacks = []; // replaced whole, so resolving holds no lock while it asks them

    /// <summary>Adds a name; false when it is taken.</summary>
    public bool TryAdd(string name, IHoseSender sender)
    {
        lock (_adding)
        {
            return !_openedEachTime.ContainsKey(name) && _local.TryAdd(name, sender);
        }
    }

    /// <summary>
    /// Adds a name whose sender <paramref name="open"/> makes on every open (null: not served now), for routes to
    /// targets in other processes or nodes; false when the name is taken.
    /// </summary>
    public bool TryAddOpenedEachTime(string name, Func<IHoseSender?> open)
    {
        lock (_adding)
        {
            return !_local.ContainsKey(name) && _openedEachTime.TryAdd(name, open);
        }
    }

    /// <summary>True once a directory of other processes or nodes was added.</summary>
    public bool HasFallbacks => _fallbacks.Length > 0;

    /// <summary>Asks the added directories, in order, for <paramref name="name"/>: the first that resolves it, and its sender.</summary>
    public bool TryResolveElsewhere(string name, [NotNullWhen(true)] out IHoseDirectory? owner, [NotNullWhen(true)] out IHoseSender? sender)
    {
        foreach (IHoseDirectory fallback in _fallbacks)
        {
            if (fallback.TryResolve(name, out sender))
            {
                owner = fallback;
                return true;
            }
        }

        (owner, sender) = (null, null);
        return false;
    }

    /// <summary>Removes a name if it still stands for <paramref name="sender"/>; later opens of it find nothing.</summary>
    public bool TryRemove(string name, IHoseSender sender) => _local.TryRemove(new KeyValuePair<string, IHoseSender>(name, sender));

    /// <summary>Asks <paramref name="directory"/> for names this host does not know.</summary>
    public void AddFallback(IHoseDirectory directory)
    {
        lock (_adding)
        {
            _fallbacks = [.. _fallbacks, directory];
        }
    }

    public bool TryResolve(string name, [NotNullWhen(true)] out IHoseSender? sender)
    {
        if (_local.TryGetValue(name, out sender))
        {
            return true;
        }

        if (_openedEachTime.TryGetValue(name, out Func<IHoseSender?>? open))
        {
            sender = open();
            return sender is not null;
        }

        // No lock held while a directory answers: one that calls back into a guest (or blocks) must not stall
        // every other guest's open, nor deadlock with a guest that opens a name meanwhile.
        return TryResolveElsewhere(name, out _, out sender);
    }
}
