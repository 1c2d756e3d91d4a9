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
    private readonly Lock _adding = new();
    private volatile IHoseDirectory[] _fallbacks = []; // replaced whole, so resolving holds no lock while it asks them

    /// <summary>Adds a name; false when it is taken.</summary>
    public bool TryAdd(string name, IHoseSender sender) => _local.TryAdd(name, sender);

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

        // No lock held while a directory answers: one that calls back into a guest (or blocks) must not stall
        // every other guest's open, nor deadlock with a guest that opens a name meanwhile.
        foreach (IHoseDirectory fallback in _fallbacks)
        {
            if (fallback.TryResolve(name, out sender))
            {
                return true;
            }
        }

        return false;
    }
}
