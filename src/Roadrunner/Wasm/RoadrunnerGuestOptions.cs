using Roadrunner.Hoses;

namespace Roadrunner.Wasm;

/// <summary>Limits that apply to one guest instance.</summary>
public sealed class RoadrunnerGuestOptions
{
    /// <summary>How long the <c>send</c> import waits for room before it gives <c>RR_TIMED_OUT</c>. Default: 10 s.</summary>
    public TimeSpan SendTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>The longest wait <c>receive_wait</c> may ask for; longer requests are cut to it. Default: 30 s.</summary>
    public TimeSpan MaxReceiveWait { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Most handles open at once in one instance. Default: 1024.</summary>
    public int MaxHandles { get; set; } = 1024;

    /// <summary>Limits of the guest's inbox.</summary>
    public HoseOptions Inbox { get; set; } = new();
}
