using Roadrunner.Workloads;

namespace Roadrunner.Demo;

/// <summary>Every hose mode the demo runs, in table order, each compared with HTTP+JSON. A transport adds its mode here.</summary>
internal static class DemoModes
{
    public static IReadOnlyList<Func<Task<IPayloadContender>>> All { get; } =
    [
        () => Task.FromResult<IPayloadContender>(new InProcessContender(InProcessChain.Start())),
        () => Task.FromResult<IPayloadContender>(InProcessZeroCopyContender.Start()),
        () => CrossProcessContender.StartAsync(),
        () => CrossProcessZeroCopyContender.StartAsync(),
        StartNetworkAsync,
        StartPumpAsync,
    ];

    // The network row and the plain socket pump row (its ceiling) share one child process.
    private static Task<NetworkChain>? s_network;

    private static async Task<IPayloadContender> StartNetworkAsync() =>
        new NetworkContender(await (s_network ??= NetworkChain.StartAsync()), pump: false, ownsChain: false);

    private static async Task<IPayloadContender> StartPumpAsync() =>
        new NetworkContender(await (s_network ??= NetworkChain.StartAsync()), pump: true, ownsChain: true);
}
