using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;
using Roadrunner.Regions;

namespace Roadrunner.Hoses.SharedMemory;

/// <summary>
/// Hard links that give the memories a <see cref="IMemoryLender"/> finds (guest memories kept in files) a name in an
/// endpoint's region naming, so a receiver in another process can map a payload straight out of the sending guest's
/// memory (a direct read). One link per memory, made the first time one of its payloads is sent; a file system that
/// refuses it is remembered (number 0). Without a lender nothing is shared.
/// </summary>
internal sealed class GuestMemoryLinks(RegionPool pool, IMemoryLender? lender)
{
    private readonly ConcurrentDictionary<ILendableMemory, long> _links = new(); // region number of each link, 0: cannot link

    /// <summary>
    /// When <paramref name="bytes"/> lie in a guest memory kept in a file that receivers can open under the pool's
    /// region names: the memory, that name's number, the memory's size and where the bytes start.
    /// </summary>
    public bool TryShare(ReadOnlySpan<byte> bytes, [NotNullWhen(true)] out ILendableMemory? memory, out long number, out long memorySize, out long offset)
    {
        number = memorySize = 0;
        offset = 0;
        memory = null;
        if (lender is null || !lender.TryFind(bytes, out memory, out offset))
        {
            return false;
        }

        if (!_links.TryGetValue(memory, out number))
        {
            foreach (ILendableMemory gone in _links.Keys.Where(m => m.IsDisposed))
            {
                _links.TryRemove(gone, out _); // its links went with it
            }

            number = _links.GetOrAdd(memory, static (m, pool) =>
            {
                string link = pool.Folder.NextRegionPath();
                return m.TryLink(link) ? RendezvousFolder.RegionNumberOf(link) : 0;
            }, pool);
        }

        memorySize = memory.Size;
        if (number > 0)
        {
            return true;
        }

        memory = null;
        return false;
    }
}
