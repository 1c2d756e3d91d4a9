namespace Roadrunner.Hoses.Network;

/// <summary>The peer broke the wire protocol (bad header, length, order or checksum): the connection is dropped.</summary>
internal sealed class ProtocolException(string message) : Exception(message)
{
}
