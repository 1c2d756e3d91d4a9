using System.Buffers;
using System.Collections.Concurrent;
using System.Net;
using Roadrunner.Diagnostics;
using Roadrunner.Regions;

namespace Roadrunner.Hoses.Network;

/// <summary>
/// The hose to a function served by interchangeable replicas (<see cref="INetworkReplicaResolver"/>): each payload goes
/// to ONE replica. Per send it asks the resolver for the current replicas, orders them by RFC 2782 priority and weight
/// (<see cref="ReplicaOrder"/>; a replica that failed lately goes last), and tries them in turn. It moves on to the next
/// replica only while no byte of the payload was written: when the connection could not be made or was refused, the
/// replica does not serve the name, or the replica's credit did not come within its share of the time. Once the
/// payload is being written, the replica's answer is the send's (a broken connection then is
/// <see cref="HoseStatus.PeerFailed"/>: the outcome is unknown and the payload is never resent elsewhere). One deadline
/// covers every attempt; each attempt but the last gets at most <see cref="NetworkOptions.ConnectTimeout"/> of it.
/// </summary>
internal sealed class NetworkReplicaSender : IHoseSender, IPageSender, AsyncSends.IPublisher
{
    private readonly INetworkReplicaResolver _resolver;
    private readonly Func<EndPoint, PeerLink?> _linkFor;
    private readonly NetworkOptions _options;
    private readonly RegionPool _pool;
    private readonly Random _random;
    private readonly ConcurrentDictionary<EndPoint, NetworkSender> _senders = new();
    private readonly ConcurrentDictionary<EndPoint, long> _failedAt = new();
    private readonly AsyncSends _async;
    private long _failovers;
    private volatile bool _completed;

    /// <param name="name">The function name.</param>
    /// <param name="resolver">Answers the replicas on every send.</param>
    /// <param name="linkFor">The shared link to an endpoint, or null once the owning endpoint is disposed.</param>
    /// <param name="options">The endpoint's options.</param>
    /// <param name="pool">Regions for claims.</param>
    /// <param name="random">Spreads the load; <see cref="Random.Shared"/> when null (tests pass a seeded one).</param>
    public NetworkReplicaSender(string name, INetworkReplicaResolver resolver, Func<EndPoint, PeerLink?> linkFor, NetworkOptions options, RegionPool pool, Random? random = null)
    {
        Name = name;
        _resolver = resolver;
        _linkFor = linkFor;
        _options = options;
        _pool = pool;
        _random = random ?? Random.Shared;
        _async = new AsyncSends(this);
    }

    public string Name { get; }

    /// <summary>Attempts that moved on to another replica because one could not take the payload.</summary>
    public long Failovers => Interlocked.Read(ref _failovers);

    private TimeSpan AsyncTimeout => _options.DeliveryTimeout + _options.FrameTimeout;

    /// <summary>A network send always waits for its Ack; "try" only bounds it tightly (as <see cref="NetworkSender"/>).</summary>
    /// <summary>
    /// Hands the payload to the first replica, in RFC 2782 order, that is not known to be down; never waits
    /// (<see cref="NetworkSender.TrySend"/> queues it on this host). A replica whose link is in its reconnect backoff
    /// answers PeerFailed at once and the next is tried.
    /// </summary>
    public HoseStatus TrySend(ReadOnlySpan<byte> payload)
    {
        if (_completed)
        {
            return HoseStatus.Closed;
        }

        if (!_resolver.TryResolveReplicas(Name, out IReadOnlyList<NetworkReplica>? replicas) || replicas.Count == 0)
        {
            return HoseStatus.UnknownTarget;
        }

        HoseStatus failure = HoseStatus.UnknownTarget;
        foreach (NetworkReplica replica in InTurn(replicas))
        {
            if (SenderFor(replica.EndPoint) is not { } sender)
            {
                return HoseStatus.Closed;
            }

            HoseStatus status = sender.TrySend(payload);
            if (status != HoseStatus.PeerFailed)
            {
                return status; // queued, or a refusal no other replica would answer differently (WouldBlock, TooLarge)
            }

            failure = status;
            _failedAt[replica.EndPoint] = Environment.TickCount64;
        }

        return failure;
    }

    public HoseStatus Send(ReadOnlySpan<byte> payload, TimeSpan timeout, CancellationToken cancellationToken = default) =>
        SendCore(payload.Length, Deadline.After(timeout), cancellationToken, new SpanMessage(payload));

    /// <inheritdoc cref="NetworkSender.Send(ReadOnlySpan{byte}, FilePages, TimeSpan, CancellationToken)"/>
    public HoseStatus Send(ReadOnlySpan<byte> payload, FilePages pages, TimeSpan timeout, CancellationToken cancellationToken) =>
        SendCore(payload.Length, Deadline.After(timeout), cancellationToken, new PagesMessage(payload, pages));

    bool IPageSender.PagesOutliveFailedSends => true;

    /// <inheritdoc cref="NetworkSender.SendAsync(ReadOnlyMemory{byte}, CancellationToken)"/>
    public ValueTask SendAsync(ReadOnlyMemory<byte> payload, CancellationToken cancellationToken = default) =>
        SendAsync(new ReadOnlySequence<byte>(payload), cancellationToken);

    /// <inheritdoc cref="NetworkSender.SendAsync(ReadOnlyMemory{byte}, CancellationToken)"/>
    public ValueTask SendAsync(ReadOnlySequence<byte> payload, CancellationToken cancellationToken = default) =>
        new(_async.Enqueue(payload, AsyncTimeout, cancellationToken));

    /// <summary>An asynchronous send's first half (see <see cref="AsyncSends"/>): a replica in turn, its credit, the write.</summary>
    HoseStatus AsyncSends.IPublisher.Publish(ReadOnlySequence<byte> payload, Deadline deadline, CancellationToken cancellationToken, out NetworkSender.Published published)
    {
        published = default;
        HoseStatus status = AcquireReplica(payload.Length, deadline, cancellationToken, out NetworkSender.Credits credits, out EndPoint? endPoint);
        if (status != HoseStatus.Ok)
        {
            return status;
        }

        status = credits.Connection.Publish(credits.Hose, payload, deadline, cancellationToken, out PendingAck? ack, out ulong sequence);
        if (status != HoseStatus.Ok)
        {
            credits.Dispose();
            Record(endPoint!, status);
            return status;
        }

        published = new NetworkSender.Published(credits, ack!, sequence);
        return HoseStatus.Ok;
    }

    System.Diagnostics.Activity? AsyncSends.IPublisher.StartSpan(long length) => null; // as the blocking send: the replica set has no span of its own

    void AsyncSends.IPublisher.Acked(in NetworkSender.Published published, HoseStatus status)
    {
        NetworkSender sender = published.Credits.Sender;
        foreach (KeyValuePair<EndPoint, NetworkSender> entry in _senders)
        {
            if (entry.Value == sender)
            {
                Record(entry.Key, status);
                return;
            }
        }
    }

    public async ValueTask<HoseClaim> ClaimAsync(int length, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        if (length > _pool.LargestRegion || length > _options.MaxPayloadBytes)
        {
            throw new HoseException(HoseStatus.TooLarge, $"A claim is one region: at most {_pool.LargestRegion} bytes, not {length}");
        }

        return new RegionPayloadClaim(await _pool.RentAsync(length, cancellationToken).ConfigureAwait(false), taken => SendCore(taken.Length, Deadline.After(AsyncTimeout), CancellationToken.None, new RegionMessage(taken)));
    }

    public void Complete()
    {
        _completed = true;
        foreach (NetworkSender sender in _senders.Values)
        {
            sender.Complete();
        }
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    private HoseStatus SendCore<TMessage>(long length, Deadline deadline, CancellationToken cancellationToken, TMessage message)
        where TMessage : INetworkMessage, allows ref struct
    {
        HoseStatus status = AcquireReplica(length, deadline, cancellationToken, out NetworkSender.Credits credits, out EndPoint? endPoint);
        if (status != HoseStatus.Ok)
        {
            return status;
        }

        using (credits)
        {
            status = message.Send(credits, deadline, cancellationToken);
        }

        Record(endPoint!, status);
        return status;
    }

    /// <summary>
    /// Takes a replica in turn and its credit, failing over to the next while nothing of the payload was written (the
    /// last replica, or the caller's own deadline or token, ends it). Ok with the credit and the replica's address.
    /// </summary>
    private HoseStatus AcquireReplica(long length, Deadline deadline, CancellationToken cancellationToken, out NetworkSender.Credits credits, out EndPoint? endPoint)
    {
        credits = default;
        endPoint = null;
        if (_completed)
        {
            return HoseStatus.Closed;
        }

        if (!_resolver.TryResolveReplicas(Name, out IReadOnlyList<NetworkReplica>? replicas) || replicas.Count == 0)
        {
            return HoseStatus.UnknownTarget; // the resolver logged why; nothing was sent
        }

        NetworkReplica[] order = InTurn(replicas);
        HoseStatus failure = HoseStatus.UnknownTarget;
        for (int i = 0; i < order.Length; i++)
        {
            endPoint = order[i].EndPoint;
            NetworkSender? sender = SenderFor(endPoint);
            if (sender is null)
            {
                return HoseStatus.Closed; // the endpoint is disposed
            }

            bool last = i == order.Length - 1;
            Deadline attempt = last ? deadline : new Deadline(Math.Min(deadline.At, Deadline.After(_options.ConnectTimeout).At));
            HoseStatus status = sender.Acquire(length, attempt, cancellationToken, out credits);
            if (status == HoseStatus.Ok)
            {
                return status;
            }

            // Nothing of the payload was written: another replica may take it, unless the caller's own time is up.
            if (deadline.Passed || cancellationToken.IsCancellationRequested || status == HoseStatus.TooLarge || _completed)
            {
                return status;
            }

            failure = status;
            _failedAt[endPoint] = Environment.TickCount64;
            if (!last)
            {
                Interlocked.Increment(ref _failovers);
                RoadrunnerMetrics.ReplicaFailedOver(Name, status);
            }
        }

        return failure;
    }

    /// <summary>What a replica's written message says about it: PeerFailed (outcome unknown) keeps it aside, anything else brings it back.</summary>
    private void Record(EndPoint endPoint, HoseStatus status)
    {
        if (status == HoseStatus.PeerFailed)
        {
            _failedAt[endPoint] = Environment.TickCount64; // written, outcome unknown: never resent elsewhere
        }
        else if (!_failedAt.IsEmpty)
        {
            _failedAt.TryRemove(endPoint, out _); // it answered: back in its RFC 2782 place
        }
    }

    /// <summary>RFC 2782 order, with the replicas that failed within the reconnect delay moved to the end.</summary>
    private NetworkReplica[] InTurn(IReadOnlyList<NetworkReplica> replicas)
    {
        NetworkReplica[] order = ReplicaOrder.Arrange(replicas, _random);
        long since = Environment.TickCount64 - (long)_options.ReconnectMaxDelay.TotalMilliseconds;
        return [.. order.OrderBy(r => _failedAt.TryGetValue(r.EndPoint, out long at) && at > since ? 1 : 0)];
    }

    private NetworkSender? SenderFor(EndPoint endPoint)
    {
        if (_senders.TryGetValue(endPoint, out NetworkSender? sender))
        {
            return sender;
        }

        return _linkFor(endPoint) is { } link ? _senders.GetOrAdd(endPoint, new NetworkSender(Name, link, _options, _pool)) : null;
    }
}
