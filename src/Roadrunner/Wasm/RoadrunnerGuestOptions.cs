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
    /// bytes, where both sides allow it (a payload this guest commits from a claimed window; a payload pushed into this
    /// guest through <c>rr_alloc_window</c>; guest memories in files). Below it mapping costs more than the copy it
    /// saves. <see cref="long.MaxValue"/> turns mapping off. Default: 2 MiB, measured on a 2-core VM
    /// (docs/zero-copy.md, "Choosing the crossover").
    /// </summary>
    public long MappingThreshold { get; set; } = DefaultMappingThreshold;

    /// <summary>
    /// Back each window this guest claims at or above <see cref="MappingThreshold"/> with regions of the target's pool,
    /// mapped over the window, so that the payload is not copied even when the receiver is busy (queued) or for every
    /// receiver of a fan-out. Costs page-table work for every page on each claim (populating the window and tearing it
    /// down at commit: several times a memcpy of the same bytes on this machine, docs/zero-copy.md), so it pays only
    /// where copies are slow. Default: false (the window stays the guest's own memory; an idle receiver maps its pages,
    /// a busy one gets one copy).
    /// </summary>
    public bool ClaimsMapRegions { get; set; }

    /// <summary>The default <see cref="MappingThreshold"/>: 2 MiB.</summary>
    public const long DefaultMappingThreshold = 2 * 1024 * 1024;

    /// <summary>Most handles open at once in one instance. Default: 1024.</summary>
    public int MaxHandles { get; set; } = 1024;

    /// <summary>Limits of the guest's inbox.</summary>
    public HoseOptions Inbox { get; set; } = new();

    /// <summary>Throws for a value no guest can run with, naming it (a new <see cref="RoadrunnerGuest"/> calls it).</summary>
    /// <exception cref="ArgumentOutOfRangeException">A time is negative (other than <see cref="Timeout.InfiniteTimeSpan"/>
    /// for <see cref="SendTimeout"/>), <see cref="MappingThreshold"/> is negative, or <see cref="MaxHandles"/> is below 1.</exception>
    /// <exception cref="ArgumentNullException"><see cref="Inbox"/> is null.</exception>
    internal void Validate()
    {
        if (SendTimeout < TimeSpan.Zero && SendTimeout != Timeout.InfiniteTimeSpan)
        {
            throw new ArgumentOutOfRangeException(nameof(SendTimeout), SendTimeout, "Must be zero or more, or Timeout.InfiniteTimeSpan.");
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(MaxReceiveWait, TimeSpan.Zero, nameof(MaxReceiveWait));
        ArgumentOutOfRangeException.ThrowIfLessThan(PushTimeout, TimeSpan.Zero, nameof(PushTimeout));
        ArgumentOutOfRangeException.ThrowIfNegative(MappingThreshold, nameof(MappingThreshold));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxHandles, 1, nameof(MaxHandles));
        ArgumentNullException.ThrowIfNull(Inbox, nameof(Inbox));
    }
}
