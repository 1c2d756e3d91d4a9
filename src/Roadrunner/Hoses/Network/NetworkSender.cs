using System.Buffers;
using Roadrunner.Diagnostics;
using Roadrunner.Regions;

namespace Roadrunner.Hoses.Network;

/// <summary>
/// The hose to a function served by another node: frames each message onto the shared connection to that node and
/// blocks until the receiver's Ack, so a guest's synchronous <c>send</c> returns the real outcome (Ok, or the
/// receiver's failure). One deadline covers the whole send (connect, credit, write, Ack). Cancellation and the deadline
/// are honoured until the message is published (its last byte handed to the socket): before, the send returns
/// <see cref="HoseStatus.TimedOut"/> and nothing is delivered; after, it returns the Ack's status, or
/// <see cref="HoseStatus.PeerFailed"/> (outcome unknown) when the connection breaks or the wait is given up. Messages
/// are never resent, so none is delivered twice. <see cref="TrySend"/> never waits (see <see cref="TrySendQueue"/>).
/// </summary>
internal sealed class NetworkSender : IHoseSender, IPageSender, AsyncSends.IPublisher
{
    private readonly CreditWindow _window;
    private readonly NetworkOptions _options;
    private readonly RegionPool _pool;
    private readonly TrySendQueue _queued;
    private readonly AsyncSends _async;
    private volatile bool _completed;

    public NetworkSender(string name, PeerLink link, NetworkOptions options, RegionPool pool)
    {
        Name = name;
        Link = link;
        _options = options;
        _pool = pool;
        _window = new CreditWindow(options.HoseWindowBytes);
        _queued = new TrySendQueue(this, options, pool);
        _async = new AsyncSends(this);
    }

    public string Name { get; }

    public PeerLink Link { get; }

    public CreditWindow Window => _window;

    /// <summary>Payloads <see cref="TrySend"/> accepted whose send failed afterwards.</summary>
    public long FailedTrySends => _queued.Failed;

    /// <summary>
    /// Accepts the payload for sending without waiting: Ok once it is copied into the pool and queued for this hose
    /// (the outcome is not reported to the caller), WouldBlock when there is no room now, PeerFailed while the peer is
    /// known to be unreachable (its last connection attempt failed moments ago).
    /// </summary>
    public HoseStatus TrySend(ReadOnlySpan<byte> payload)
    {
        if (_completed)
        {
            return HoseStatus.Closed;
        }

        if (Link.IsDown)
        {
            return HoseStatus.PeerFailed;
        }

        return payload.Length > _options.MaxPayloadBytes ? HoseStatus.TooLarge : _queued.TryEnqueue(payload);
    }

    public HoseStatus Send(ReadOnlySpan<byte> payload, TimeSpan timeout, CancellationToken cancellationToken = default) =>
        Send(payload, Deadline.After(timeout), cancellationToken);

    /// <summary>A send bounded by a deadline shared with other sends (a fan-out's).</summary>
    public HoseStatus Send(ReadOnlySpan<byte> payload, Deadline deadline, CancellationToken cancellationToken) =>
        SendCore(payload.Length, deadline, cancellationToken, new SpanMessage(payload), queued: false);

    public HoseStatus Send(ReadOnlySequence<byte> payload, TimeSpan timeout, CancellationToken cancellationToken = default) =>
        SendCore(payload.Length, Deadline.After(timeout), cancellationToken, new SequenceMessage(payload), queued: false);

    /// <summary>
    /// A guest's committed window: on plain TCP its frame bodies go out with <c>sendfile</c> from the guest's memory file
    /// (no user-space copy), else from memory. Returns with the Ack (or a failure), so the guest, waiting in <c>commit</c>,
    /// cannot change the pages before the receiver has read them; after a failure see <see cref="IPageSender.PagesOutliveFailedSends"/>.
    /// </summary>
    public HoseStatus Send(ReadOnlySpan<byte> payload, FilePages pages, TimeSpan timeout, CancellationToken cancellationToken) =>
        Send(payload, pages, Deadline.After(timeout), cancellationToken);

    /// <summary>As <see cref="Send(ReadOnlySpan{byte}, FilePages, TimeSpan, CancellationToken)"/>, bounded by a deadline shared with other sends (a fan-out's).</summary>
    public HoseStatus Send(ReadOnlySpan<byte> payload, FilePages pages, Deadline deadline, CancellationToken cancellationToken) =>
        SendCore(payload.Length, deadline, cancellationToken, new PagesMessage(payload, pages), queued: false);

    bool IPageSender.PagesOutliveFailedSends => true;

    /// <summary>Sends a payload that sits in regions (sendfile on plain TCP); the caller keeps its reference.</summary>
    public HoseStatus SendRegions(RegionPayload payload, Deadline deadline, CancellationToken cancellationToken) =>
        SendCore(payload.Length, deadline, cancellationToken, new RegionMessage(payload), queued: false);

    /// <summary>Sends a payload <see cref="TrySend"/> accepted (it goes out even after <see cref="Complete"/>).</summary>
    internal HoseStatus SendQueued(RegionPayload payload, Deadline deadline) =>
        SendCore(payload.Length, deadline, CancellationToken.None, new RegionMessage(payload), queued: true, payload.Trace.AsParent(isRemote: false));

    /// <inheritdoc cref="IHoseSender.SendAsync(ReadOnlyMemory{byte}, CancellationToken)"/>
    /// <remarks>
    /// Bounded by <see cref="NetworkOptions.DeliveryTimeout"/> + <see cref="NetworkOptions.FrameTimeout"/>. Throws
    /// <see cref="OperationCanceledException"/> only while the message can still be withdrawn; once published, a
    /// cancellation gives a <see cref="HoseException"/> with <see cref="HoseStatus.PeerFailed"/> (outcome unknown).
    /// Holds no pool thread: see <see cref="AsyncSends"/>.
    /// </remarks>
    public ValueTask SendAsync(ReadOnlyMemory<byte> payload, CancellationToken cancellationToken = default) =>
        SendAsync(new ReadOnlySequence<byte>(payload), cancellationToken);

    /// <inheritdoc cref="SendAsync(ReadOnlyMemory{byte}, CancellationToken)"/>
    public ValueTask SendAsync(ReadOnlySequence<byte> payload, CancellationToken cancellationToken = default) =>
        new(_async.Enqueue(payload, AsyncTimeout, cancellationToken));

    /// <summary>An asynchronous send for a fan-out: <paramref name="done"/> is called once the task has completed.</summary>
    internal Task SendAsync(ReadOnlyMemory<byte> payload, CancellationToken cancellationToken, Action done) =>
        _async.Enqueue(new ReadOnlySequence<byte>(payload), AsyncTimeout, cancellationToken, done);

    public async ValueTask<HoseClaim> ClaimAsync(int length, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        if (length > _pool.LargestRegion || length > _options.MaxPayloadBytes)
        {
            throw new HoseException(HoseStatus.TooLarge, $"A claim is one region: at most {_pool.LargestRegion} bytes, not {length}");
        }

        return new RegionPayloadClaim(await _pool.RentAsync(length, cancellationToken).ConfigureAwait(false), taken => SendRegions(taken, Deadline.After(AsyncTimeout), CancellationToken.None));
    }

    public void Complete() => _completed = true;

    /// <summary>Stops accepting sends and waits until what <see cref="TrySend"/> accepted is sent or has failed.</summary>
    public ValueTask DisposeAsync()
    {
        _completed = true;
        _queued.WaitDrained(Deadline.After(AsyncTimeout), CancellationToken.None);
        return ValueTask.CompletedTask;
    }

    private TimeSpan AsyncTimeout => _options.DeliveryTimeout + _options.FrameTimeout;

    /// <summary>Keeps the order after accepted try-sends, takes credit, then sends on the connection and waits for the Ack.</summary>
    /// <remarks><paramref name="parent"/>: the accepting try-send's context for a queued payload; default: the current activity.</remarks>
    private HoseStatus SendCore<TMessage>(long length, Deadline deadline, CancellationToken cancellationToken, TMessage message, bool queued, System.Diagnostics.ActivityContext parent = default)
        where TMessage : INetworkMessage, allows ref struct =>
        RoadrunnerActivity.Ended(RoadrunnerActivity.StartSend(Name, length, RoadrunnerActivity.Network, parent), SendUntraced(length, deadline, cancellationToken, message, queued));

    private HoseStatus SendUntraced<TMessage>(long length, Deadline deadline, CancellationToken cancellationToken, TMessage message, bool queued)
        where TMessage : INetworkMessage, allows ref struct
    {
        if (!queued)
        {
            if (_completed)
            {
                return HoseStatus.Closed;
            }

            if (!_queued.WaitDrained(deadline, cancellationToken))
            {
                return HoseStatus.TimedOut;
            }
        }

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

    /// <summary>
    /// The first half of an asynchronous send (on <see cref="AsyncSends"/>' writer thread): the same order, credit and
    /// write as <see cref="Send(ReadOnlySequence{byte}, TimeSpan, CancellationToken)"/>; Ok once published, with the
    /// credit held and the Ack to wait for in <paramref name="published"/> (the caller disposes its credit).
    /// </summary>
    public HoseStatus Publish(ReadOnlySequence<byte> payload, Deadline deadline, CancellationToken cancellationToken, out Published published)
    {
        published = default;
        if (_completed)
        {
            return HoseStatus.Closed;
        }

        if (!_queued.WaitDrained(deadline, cancellationToken))
        {
            return HoseStatus.TimedOut;
        }

        HoseStatus status = Acquire(payload.Length, deadline, cancellationToken, out Credits credits);
        if (status != HoseStatus.Ok)
        {
            return status;
        }

        status = credits.Connection.Publish(credits.Hose, payload, deadline, cancellationToken, out PendingAck? ack, out ulong sequence);
        if (status != HoseStatus.Ok)
        {
            credits.Dispose();
            return status;
        }

        published = new Published(credits, ack!, sequence);
        return HoseStatus.Ok;
    }

    public System.Diagnostics.Activity? StartSpan(long length) => RoadrunnerActivity.StartSend(Name, length, RoadrunnerActivity.Network);

    public void Acked(in Published published, HoseStatus status)
    {
    }

    /// <summary>A message written and not yet acknowledged: its credit and the Ack to wait for.</summary>
    internal readonly record struct Published(Credits Credits, PendingAck Ack, ulong Sequence)
    {
        /// <summary>Waits for the Ack (see <see cref="NetworkConnection.AwaitAck"/>) and gives the credit back.</summary>
        public HoseStatus AwaitAck(Deadline deadline, CancellationToken cancellationToken)
        {
            using (Credits)
            {
                return Credits.Connection.AwaitAck(Credits.Hose, Sequence, Ack, deadline, cancellationToken);
            }
        }
    }

    /// <summary>Connection, hose id and credit on both windows for a message of <paramref name="length"/> bytes.</summary>
    internal HoseStatus Acquire(long length, Deadline deadline, CancellationToken cancellationToken, out Credits credits)
    {
        credits = default;
        if (length > _options.MaxPayloadBytes)
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
}
