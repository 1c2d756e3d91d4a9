namespace Roadrunner.Peer;

/// <summary>Answers each stdin line with the same line: checks that the peer process starts and talks.</summary>
internal static class EchoCommand
{
    public static async Task<int> RunAsync(string[] args)
    {
        Console.WriteLine("ready");
        while (await Console.In.ReadLineAsync() is { } line && line != "exit")
        {
            Console.WriteLine(line);
        }

        return 0;
    }
}
