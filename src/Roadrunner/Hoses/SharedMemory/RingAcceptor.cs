using Roadrunner.Diagnostics;
using Roadrunner.Regions;

namespace Roadrunner.Hoses.SharedMemory;

/// <summary>
/// Accepts the rings other processes open to one <see cref="SharedMemoryEndpoint"/>. A sender creates a ring file
/// named for this endpoint and rings its bell (a futex word in a small mapped file); the accept thread then scans the
/// rendezvous folder for new ring files and starts a <see cref="RingReceiver"/> for each sound one (a refused one is
/// logged). It also rescans every 100 ms, since a dying sender may create a ring and never ring.
/// </summary>
internal sealed class RingAcceptor : IDisposable
{
    private readonly SharedMemoryEndpoint _endpoint;
    private readonly MappedRegion _bell;
    private readonly List<RingReceiver> _receivers = [];
    private readonly HashSet<string> _knownRings = new(StringComparer.Ordinal);
    private readonly Thread _thread;
    private volatile bool _stopping;

    /// <summary>Creates the endpoint's bell (its rendezvous folder and tag must be set); <see cref="Start"/> starts accepting.</summary>
    public RingAcceptor(SharedMemoryEndpoint endpoint)
    {
        _endpoint = endpoint;
        _bell = MappedRegion.Create(RendezvousFolder.BellPath(endpoint.FolderPath, endpoint.Tag), 4096);
        _thread = new Thread(AcceptLoop) { IsBackground = true, Name = "roadrunner-shm accept" };
    }

    /// <summary>Receive threads running now.</summary>
    public int ActiveReceivers
    {
        get
        {
            lock (_receivers)
            {
                return _receivers.Count;
            }
        }
    }

    public void Start() => _thread.Start();

    /// <summary>
    /// Stops accepting, lets every receive thread take what its sender had already published (payloads reported
    /// handed over; at most <paramref name="drainTimeout"/> in all), then stops them (each within <paramref name="timeout"/>).
    /// </summary>
    public void Stop(TimeSpan timeout, TimeSpan drainTimeout)
    {
        _stopping = true;
        Ring(_bell);
        _thread.Join(timeout);
        RingReceiver[] receivers;
        lock (_receivers)
        {
            receivers = [.. _receivers];
        }

        // A shutdown path, once: SpinUntil's spin-then-sleep is fine here, and the receive threads do the work.
        SpinWait.SpinUntil(() => receivers.All(r => r.IsDrained), drainTimeout);

        foreach (RingReceiver receiver in receivers)
        {
            receiver.Stop(timeout);
        }
    }

    /// <summary>A receive thread ended.</summary>
    public void OnReceiverEnded(RingReceiver receiver)
    {
        lock (_receivers)
        {
            _receivers.Remove(receiver);
        }
    }

    /// <summary>Unmaps the bell (after <see cref="Stop"/>).</summary>
    public void Dispose() => ((IDisposable)_bell).Dispose();

    /// <summary>Rings <paramref name="bell"/>: its accept thread wakes and scans for new rings.</summary>
    public static unsafe void Ring(MappedRegion bell)
    {
        Interlocked.Increment(ref *(int*)bell.Pointer);
        Futex.WakeAll((int*)bell.Pointer);
    }

    private unsafe void AcceptLoop()
    {
        int* word = (int*)_bell.Pointer;
        while (!_stopping)
        {
            int seen = Volatile.Read(ref *word);
            try
            {
                ScanRings();
            }
            catch (IOException e)
            {
                RoadrunnerLog.SharedMemoryFolderError(_endpoint.Log, "scan", e.Message);
            }

            if (!_stopping && Volatile.Read(ref *word) == seen)
            {
                Futex.Wait(word, seen, 100_000); // also rescans every 100 ms: a bell can be missed by a dying sender
            }
        }
    }

    private void ScanRings()
    {
        string tag = _endpoint.Tag;
        foreach (string path in System.IO.Directory.EnumerateFiles(_endpoint.FolderPath, $"ch-{tag}-*.ring"))
        {
            string file = Path.GetFileName(path);
            if (_knownRings.Contains(file) || !RendezvousFolder.TryParseRingName(file, out string receiverTag, out string senderTag) || receiverTag != tag)
            {
                continue;
            }

            RingAdmission.Result result = RingAdmission.TryAccept(_endpoint, path, senderTag, out RingReceiver? receiver, out string? reason);
            if (result == RingAdmission.Result.NotReady)
            {
                continue;
            }

            _knownRings.Add(file);
            if (receiver is not null)
            {
                lock (_receivers)
                {
                    _receivers.Add(receiver);
                }

                receiver.Start();
            }
            else
            {
                RoadrunnerLog.SharedMemoryRingRefused(_endpoint.Log, file, reason ?? "unknown");
            }
        }
    }
}
