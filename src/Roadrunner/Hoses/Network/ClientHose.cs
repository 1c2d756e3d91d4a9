namespace Roadrunner.Hoses.Network;

/// <summary>A hose on one client connection: its id and the sequence of its last message.</summary>
internal sealed class ClientHose(uint id, string name)
{
    public uint Id { get; } = id;

    public string Name { get; } = name;

    public ulong Sequence { get; set; }

    /// <summary>Completed by the Ack of the Open frame.</summary>
    public PendingAck Opened { get; } = new();
}
