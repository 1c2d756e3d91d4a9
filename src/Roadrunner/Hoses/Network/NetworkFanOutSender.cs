using Roadrunner.Regions;

namespace Roadrunner.Hoses.Network;

/// <summary>
/// One name served by several nodes: every node gets every payload. A large payload is copied once into a region and
/// sent to all nodes at the same time with <c>sendfile</c> (no further user-space copy per node); a small one is written
/// to each connection from the sender's memory. The result is the first failure when no node took the payload,
/// PeerFailed when some did (not atomic, like the in-process fan-out), else Ok.
/// </summary>
internal sealed class NetworkFanOutSender(string name, NetworkSender[] targets, NetworkOptions options, RegionPool pool) : FanOutBase(name)
{
    protected override TimeSpan AsyncTimeout => options.DeliveryTimeout + options.FrameTimeout;

    protected override HoseStatus SendCore(ReadOnlySpan<byte> payload, bool wait, TimeSpan timeout, CancellationToken cancellationToken)
    {
        if (!wait)
        {
            timeout = options.FrameTimeout; // a network send always waits for its Ack; "try" only bounds it tightly
        }

        if (payload.Length > options.MaxPayloadBytes)
        {
            return HoseStatus.TooLarge;
        }

        if (payload.Length < options.SendFileThresholdBytes || options.ClientTls is not null)
        {
            int handedOver = 0;
            foreach (NetworkSender target in targets)
            {
                HoseStatus status = target.Send(payload, timeout, cancellationToken);
                if (status != HoseStatus.Ok)
                {
                    return Outcome(status, handedOver);
                }

                handedOver++;
            }

            return HoseStatus.Ok;
        }

        HoseStatus rented;
        RegionPayload regions;
        try
        {
            rented = pool.Rent(payload.Length, timeout, cancellationToken, out regions);
        }
        catch (OperationCanceledException)
        {
            return HoseStatus.TimedOut;
        }

        if (rented != HoseStatus.Ok)
        {
            return rented;
        }

        try
        {
            regions.Fill(payload);
            // Each node on its own thread: the kernel sends the same pages to all of them.
            HoseStatus[] results = Task.WhenAll(targets.Select(t => Task.Run(() => t.SendRegions(regions, timeout, cancellationToken), cancellationToken))).GetAwaiter().GetResult();
            return Outcome(results.FirstOrDefault(s => s != HoseStatus.Ok, HoseStatus.Ok), results.Count(s => s == HoseStatus.Ok));
        }
        finally
        {
            regions.Release();
        }
    }

    public override void Complete()
    {
        foreach (NetworkSender target in targets)
        {
            target.Complete();
        }
    }
}
