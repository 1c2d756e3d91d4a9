namespace Roadrunner;

/// <summary>
/// A data hose: an ordered, bounded channel of whole payloads between functions, with no serialization.
/// Senders copy a payload at most once (zero times through <see cref="IHoseSender.ClaimAsync"/>);
/// receivers read it in place through a <see cref="HoseLease"/>.
/// </summary>
public interface IDataHose : IHoseSender, IHoseReceiver
{
}
