namespace Roadrunner.Hoses;

/// <summary>
/// What a fan-out delivery loop has done so far: how many targets have the payload and the first failure; its
/// <see cref="Outcome"/> follows the fan-out rule (a failure after some target took the payload reads PeerFailed).
/// </summary>
internal struct FanOutTally
{
    /// <summary>Targets that have the payload.</summary>
    public int HandedOver { get; private set; }

    /// <summary>The first failure, or <see cref="HoseStatus.Ok"/>.</summary>
    public HoseStatus Failure { get; private set; }

    /// <summary>True once a target failed: the remaining ones are skipped.</summary>
    public readonly bool Failed => Failure != HoseStatus.Ok;

    /// <summary>The status of the whole send (<see cref="FanOutBase"/>'s rule).</summary>
    public readonly HoseStatus Outcome => OutcomeOf(Failure, HandedOver);

    /// <summary>
    /// The status of a fan-out send that stopped at <paramref name="failure"/> after <paramref name="handedOver"/>
    /// targets had the payload: the failure itself when none had it (nothing was sent), else
    /// <see cref="HoseStatus.PeerFailed"/>, because "not sent" would be untrue and a retry would duplicate it.
    /// </summary>
    public static HoseStatus OutcomeOf(HoseStatus failure, int handedOver) =>
        failure == HoseStatus.Ok || handedOver == 0 ? failure : HoseStatus.PeerFailed;

    /// <summary>Counts one target's status.</summary>
    public void Record(HoseStatus status)
    {
        if (status == HoseStatus.Ok)
        {
            HandedOver++;
        }
        else if (!Failed)
        {
            Failure = status;
        }
    }
}
