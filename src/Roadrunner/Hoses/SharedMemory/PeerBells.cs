using Microsoft.Extensions.Logging;
using System.Collections.Concurrent;
using Roadrunner.Diagnostics;
using Roadrunner.Regions;

namespace Roadrunner.Hoses.SharedMemory;

/// <summary>
/// The bells of the peers an endpoint opens rings to, each mapped once: ringing one wakes that peer's accept thread
/// (see <see cref="RingAcceptor"/>). A dead peer's bell is unmapped by <see cref="ForgetDead"/>.
/// </summary>
internal sealed class PeerBells(string folder, ILogger log) : IDisposable
{
    private readonly ConcurrentDictionary<string, MappedRegion> _bells = new(StringComparer.Ordinal);

    /// <summary>Tells the endpoint <paramref name="tag"/> that a new ring waits for it.</summary>
    public void Ring(string tag)
    {
        try
        {
            RingAcceptor.Ring(_bells.GetOrAdd(tag, static (t, folder) => MappedRegion.OpenExisting(RendezvousFolder.BellPath(folder, t), 4096), folder));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            RoadrunnerLog.SharedMemoryBellFailed(log, tag, e.Message); // the receiver is gone or refuses us: the sender finds out when it waits
        }
    }

    /// <summary>Unmaps the bells of the peers <paramref name="isAlive"/> says are gone.</summary>
    public void ForgetDead(Func<string, bool> isAlive)
    {
        foreach (string tag in _bells.Keys)
        {
            if (!isAlive(tag) && _bells.TryRemove(tag, out MappedRegion? bell))
            {
                ((IDisposable)bell).Dispose();
            }
        }
    }

    public void Dispose()
    {
        foreach (MappedRegion bell in _bells.Values)
        {
            ((IDisposable)bell).Dispose();
        }
    }
}
