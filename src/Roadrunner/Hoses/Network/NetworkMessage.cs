using System.Buffers;
using Roadrunner.Regions;

namespace Roadrunner.Hoses.Network;

/// <summary>A message and the connection call that sends it, once its credits were taken (<see cref="NetworkSender"/>, <see cref="NetworkReplicaSender"/>).</summary>
internal interface INetworkMessage
{
    HoseStatus Send(NetworkSender.Credits credits, Deadline deadline, CancellationToken cancellationToken);
}

/// <summary>Bytes in memory.</summary>
internal readonly ref struct SpanMessage(ReadOnlySpan<byte> payload) : INetworkMessage
{
    private readonly ReadOnlySpan<byte> _payload = payload;

    public HoseStatus Send(NetworkSender.Credits credits, Deadline deadline, CancellationToken cancellationToken) =>
        credits.Connection.Send(credits.Hose, _payload, deadline, cancellationToken);
}

/// <summary>Bytes in memory that also lie in a file (a guest's committed window): sent with <c>sendfile</c> where it can.</summary>
internal readonly ref struct PagesMessage(ReadOnlySpan<byte> payload, FilePages pages) : INetworkMessage
{
    private readonly ReadOnlySpan<byte> _payload = payload;

    public HoseStatus Send(NetworkSender.Credits credits, Deadline deadline, CancellationToken cancellationToken) =>
        credits.Connection.SendPages(credits.Hose, _payload, pages, deadline, cancellationToken);
}

/// <summary>A sequence of segments.</summary>
internal readonly struct SequenceMessage(ReadOnlySequence<byte> payload) : INetworkMessage
{
    public HoseStatus Send(NetworkSender.Credits credits, Deadline deadline, CancellationToken cancellationToken) =>
        credits.Connection.Send(credits.Hose, payload, deadline, cancellationToken);
}

/// <summary>A payload in regions (sent with <c>sendfile</c> on plain TCP).</summary>
internal readonly struct RegionMessage(RegionPayload payload) : INetworkMessage
{
    public HoseStatus Send(NetworkSender.Credits credits, Deadline deadline, CancellationToken cancellationToken) =>
        credits.Connection.SendRegions(credits.Hose, payload, deadline, cancellationToken);
}
