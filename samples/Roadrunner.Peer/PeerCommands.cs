namespace Roadrunner.Peer;

/// <summary>The peer's commands by name. Each transport adds its own.</summary>
internal static class PeerCommands
{
    public static IReadOnlyDictionary<string, Func<string[], Task<int>>> All { get; } = new Dictionary<string, Func<string[], Task<int>>>(StringComparer.Ordinal)
    {
        ["echo"] = EchoCommand.RunAsync,
        ["full"] = FullFolderCommand.RunAsync,
        ["leave"] = LeaveFilesCommand.RunAsync,
        ["network"] = NetworkCommand.RunAsync,
        ["shm"] = SharedMemoryCommand.RunAsync,
    };
}
