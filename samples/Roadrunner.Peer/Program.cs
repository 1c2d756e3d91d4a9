using Roadrunner.Peer;

// Usage: Roadrunner.Peer <command> [arguments]. The peer prints "ready" on stdout once it serves, then answers
// one-line commands read from stdin (see each command's file) until stdin closes or it is told "exit".
if (args.Length == 0 || !PeerCommands.All.TryGetValue(args[0], out Func<string[], Task<int>>? command))
{
    Console.Error.WriteLine($"usage: Roadrunner.Peer <{string.Join('|', PeerCommands.All.Keys)}> [arguments]");
    return 2;
}

return await command(args[1..]);
