namespace Roadrunner.Demo;

/// <summary>Every hose mode the demo runs, in table order. A transport adds its mode here.</summary>
internal static class DemoModes
{
    public static IReadOnlyList<Func<Task<IDemoMode>>> All { get; } =
    [
        InProcessMode.StartAsync,
        CrossProcessMode.StartAsync,
        NetworkMode.StartAsync,
        SocketPumpMode.StartAsync,
    ];
}
