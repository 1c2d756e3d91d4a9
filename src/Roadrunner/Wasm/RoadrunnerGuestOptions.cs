using Roadrunner.Hoses;

namespace Roadrunner.Wasm;

/// <summary>Limits that apply to one guest instance.</summary>
public sealed class RoadrunnerGuestOptions
{
    /// <summary>How long the <c>send</c> import waits for room before it gives <c>RR_TIMED_OUT</c>. Default: 10 s.</summary>
    public TimeSpan SendTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>The longest wait <c>receive_wait</c> may ask for; longer requests are cut to it. Default: 30 s.</summary>
    public TimeSpan MaxReceiveWait { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Longest a push receiver's <c>rr_alloc</c> plus <c>rr_on_message</c> may run for one payload; past it the guest
    /// traps, is marked faulted and the sender gets <c>RR_PEER_FAILED</c>, so a stuck receiver never wedges its
    /// senders. Imports the handler calls wait at most what is left of it, and trap the guest once it has passed.
    /// Enforced when the guest is bound with a store whose engine has epoch interruption on (as <c>FunctionHost</c>
    /// does). Default: 10 s.
    /// </summary>
    public TimeSpan PushTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// The mapping crossover, in bytes: payloads at least this long change hands by mapping pages instead of copying
    /// bytes, where both sides allow it (a <c>claim</c> by this guest; a payload pushed into this guest through
    /// <c>rr_alloc_window</c>; guest memories in files). Below it mapping costs more than the copy it saves.
    /// <see cref="long.MaxValue"/> turns mapping off. Default: 256 KiB (docs/zero-copy.md, "Choosing the crossover").
    /// </summary>
    public long MappingThreshold { get; set; } = DefaultMappingThreshold;

    /// <summary>The default <see cref="MappingThreshold"/>: 256 KiB.</summary>
    public const long DefaultMappingThreshold = 256 * 1024;

    /// <summary>Most handles open at once in one instance. Default: 1024.</summary>
    public int MaxHandles { get; set; } = 1024;

    /// <summary>Limits of the guest's inbox.</summary>
    public HoseOptions Inbox { get; set; } = new();
}
