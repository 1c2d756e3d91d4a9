using System.Net;

namespace Roadrunner.Hoses.Network;

/// <summary>
/// One replica of a function: an endpoint that serves it, with the RFC 2782 SRV preference that spreads load among
/// the replicas of one name (each payload goes to one replica).
/// </summary>
/// <param name="EndPoint">Where the replica listens.</param>
/// <param name="Priority">Lower is preferred: replicas of a higher value get payloads only when every lower one failed (0–65535).</param>
/// <param name="Weight">Among replicas of one priority, the relative share of payloads (0–65535; 0 means only when no other is left).</param>
public sealed record NetworkReplica(EndPoint EndPoint, int Priority, int Weight);
