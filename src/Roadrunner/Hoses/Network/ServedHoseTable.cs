using System.Buffers;
using System.Text;

namespace Roadrunner.Hoses.Network;

/// <summary>
/// The hoses a client opened on one served connection, by id: each bound once to the target its name resolves to,
/// at most <see cref="NetworkOptions.MaxHosesPerConnection"/>, and its messages numbered from 1 without gaps. Used by
/// the connection's one reading thread only.
/// </summary>
internal sealed class ServedHoseTable(NetworkOptions options, Func<string, IHoseSender?> resolve)
{
    private static readonly UTF8Encoding StrictUtf8 = new(false, true);

    private readonly Dictionary<uint, ServedHose> _hoses = [];

    /// <summary>
    /// Binds the hose of an Open frame to the target named by <paramref name="nameBytes"/>; returns the status its Ack
    /// carries. Over the limit or for an unknown name the open is refused, not the connection.
    /// </summary>
    /// <exception cref="ProtocolException">The frame is malformed or the id is taken.</exception>
    public HoseStatus Open(FrameHeader header, ReadOnlySequence<byte> nameBytes)
    {
        if (header.Sequence != 0 || header.Length is 0 or > 255 || _hoses.ContainsKey(header.Hose))
        {
            throw new ProtocolException("bad open");
        }

        string name;
        try
        {
            name = StrictUtf8.GetString(nameBytes);
        }
        catch (DecoderFallbackException)
        {
            throw new ProtocolException("a hose name is not UTF-8");
        }

        // Over the limit the open is refused, not the connection: the client's other hoses keep working.
        IHoseSender? target = _hoses.Count >= options.MaxHosesPerConnection ? null : resolve(name);
        if (target is not null)
        {
            _hoses.Add(header.Hose, new ServedHose(target, name));
        }

        return target is not null ? HoseStatus.Ok : _hoses.Count >= options.MaxHosesPerConnection ? HoseStatus.TooManyHandles : HoseStatus.UnknownTarget;
    }

    /// <summary>The open hose message (<paramref name="hose"/>, <paramref name="sequence"/>) is for, counted as the next one taken.</summary>
    /// <exception cref="ProtocolException">The hose was never opened, or the message is not the next one.</exception>
    public ServedHose Next(uint hose, ulong sequence)
    {
        if (!_hoses.TryGetValue(hose, out ServedHose? open))
        {
            throw new ProtocolException($"data for hose {hose} that was never opened");
        }

        if (sequence != open.NextSequence)
        {
            throw new ProtocolException($"hose {hose} expected message {open.NextSequence}, got {sequence}");
        }

        open.NextSequence++;
        return open;
    }
}

/// <summary>A hose open on a served connection: its target, its name and the sequence its next message must have.</summary>
internal sealed class ServedHose(IHoseSender target, string name)
{
    public IHoseSender Target { get; } = target;

    public string Name { get; } = name;

    public ulong NextSequence { get; set; } = 1;
}
