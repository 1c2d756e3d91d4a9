using System.Buffers;
using Roadrunner.Regions;

namespace Roadrunner.Hoses.Network;

/// <summary>
/// The hose to a function served by another node: frames each message onto the shared connection to that node and
/// blocks until the receiver's Ack, so a guest's synchronous <c>send</c> returns the real outcome (Ok, or the
/// receiver's failure, or <see cref="HoseStatus.PeerFailed"/> when the connection broke before the Ack,
/// <see cref="HoseStatus.TimedOut"/> at the deadline). Messages are never resent, so none is delivered twice.
/// </summary>
internal sealed class NetworkSender(string name, PeerLink link, NetworkOptions options, RegionPool pool) : IHoseSender
{
    private readonly CreditWindow _window = new(options.HoseWindowBytes);
    private volatile bool _completed;

    public string Name { get; } = name;

    public PeerLink Link { get; } = link;

    public CreditWindow Window => _window;

    public HoseStatus TrySend(ReadOnlySpan<byte> payload) => Send(payload, options.FrameTimeout);

    public HoseStatus Send(ReadOnlySpan<byte> payload, TimeSpan timeout, CancellationToken cancellationToken = default) =>
        SendCore(payload.Length, timeout, cancellationToken, new SpanMessage(payload));

    public HoseStatus Send(ReadOnlySequence<byte> payload, TimeSpan timeout, CancellationToken cancellationToken = default) =>
        SendCore(payload.Length, timeout, cancellationToken, new SequenceMessage(payload));

    /// <summary>Sends a payload that sits in regions (sendfile on plain TCP); the caller keeps its reference.</summary>
    public HoseStatus SendRegions(RegionPayload payload, TimeSpan timeout, CancellationToken cancellationToken) =>
        SendCore(payload.Length, timeout, cancellationToken, new RegionMessage(payload));

    public async ValueTask SendAsync(ReadOnlyMemory<byte> payload, CancellationToken cancellationToken = default)
    {
        HoseStatus status = await Task.Run(() => Send(payload.Span, options.DeliveryTimeout + options.FrameTimeout, cancellationToken), cancellationToken).ConfigureAwait(false);
        HoseException.ThrowIfFailed(status, $"Network send to '{Name}'");
    }

    public async ValueTask SendAsync(ReadOnlySequence<byte> payload, CancellationToken cancellationToken = default)
    {
        HoseStatus status = await Task.Run(() => Send(payload, options.DeliveryTimeout + options.FrameTimeout, cancellationToken), cancellationToken).ConfigureAwait(false);
        HoseException.ThrowIfFailed(status, $"Network send to '{Name}'");
    }

    public async ValueTask<HoseClaim> ClaimAsync(int length, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        if (length > pool.LargestRegion || length > options.MaxPayloadBytes)
        {
            throw new HoseException(HoseStatus.TooLarge, $"A claim is one region: at most {pool.LargestRegion} bytes, not {length}");
        }

        return new NetworkClaim(this, await pool.RentAsync(length, cancellationToken).ConfigureAwait(false), options.DeliveryTimeout + options.FrameTimeout);
    }

    public void Complete() => _completed = true;

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    /// <summary>Takes credit for the message, then sends it on the connection and waits for its Ack.</summary>
    private HoseStatus SendCore<TMessage>(long length, TimeSpan timeout, CancellationToken cancellationToken, TMessage message)
        where TMessage : IMessage, allows ref struct
    {
        Deadline deadline = Deadline.After(timeout);
        HoseStatus status = Acquire(length, deadline, cancellationToken, out Credits credits);
        if (status != HoseStatus.Ok)
        {
            return status;
        }

        using (credits)
        {
            return message.Send(credits, deadline, cancellationToken);
        }
    }

    /// <summary>Connection, hose id and credit on both windows for a message of <paramref name="length"/> bytes.</summary>
    internal HoseStatus Acquire(long length, Deadline deadline, CancellationToken cancellationToken, out Credits credits)
    {
        credits = default;
        if (_completed)
        {
            return HoseStatus.Closed;
        }

        if (length > options.MaxPayloadBytes)
        {
            return HoseStatus.TooLarge;
        }

        HoseStatus status = Link.GetConnection(deadline, cancellationToken, out NetworkConnection connection);
        if (status != HoseStatus.Ok)
        {
            return status;
        }

        status = connection.Limits.Admit(length); // the receiver's limits, from the handshake: refused before any byte
        if (status != HoseStatus.Ok)
        {
            return status;
        }

        status = connection.Open(Name, deadline, cancellationToken, out ClientHose hose);
        if (status != HoseStatus.Ok)
        {
            return status;
        }

        long hoseCredit = _window.CreditFor(length);
        long connectionCredit = connection.Window.CreditFor(length);
        try
        {
            if (!_window.Take(hoseCredit, deadline.Remaining, cancellationToken))
            {
                return HoseStatus.TimedOut;
            }

            if (!connection.Window.Take(connectionCredit, deadline.Remaining, cancellationToken))
            {
                _window.Return(hoseCredit);
                return HoseStatus.TimedOut;
            }
        }
        catch (OperationCanceledException)
        {
            return HoseStatus.TimedOut;
        }

        credits = new Credits(this, connection, hose, hoseCredit, connectionCredit);
        return HoseStatus.Ok;
    }

    /// <summary>Credit held for one message; disposing gives it back (the Ack or a failure came).</summary>
    internal readonly record struct Credits(NetworkSender Sender, NetworkConnection Connection, ClientHose Hose, long HoseCredit, long ConnectionCredit) : IDisposable
    {
        public void Dispose()
        {
            Sender?._window.Return(HoseCredit);
            Connection?.Window.Return(ConnectionCredit);
        }
    }

    /// <summary>A message and the connection call that sends it.</summary>
    private interface IMessage
    {
        HoseStatus Send(Credits credits, Deadline deadline, CancellationToken cancellationToken);
    }

    private readonly ref struct SpanMessage(ReadOnlySpan<byte> payload) : IMessage
    {
        private readonly ReadOnlySpan<byte> _payload = payload;

        public HoseStatus Send(Credits credits, Deadline deadline, CancellationToken cancellationToken) =>
            credits.Connection.Send(credits.Hose, _payload, deadline, cancellationToken);
    }

    private readonly struct SequenceMessage(ReadOnlySequence<byte> payload) : IMessage
    {
        public HoseStatus Send(Credits credits, Deadline deadline, CancellationToken cancellationToken) =>
            credits.Connection.Send(credits.Hose, payload, deadline, cancellationToken);
    }

    private readonly struct RegionMessage(RegionPayload payload) : IMessage
    {
        public HoseStatus Send(Credits credits, Deadline deadline, CancellationToken cancellationToken) =>
            credits.Connection.SendRegions(credits.Hose, payload, deadline, cancellationToken);
    }
}
