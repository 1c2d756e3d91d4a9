// The README's third C# snippet (network): it names a remote node, so it only builds. These are the host, key and
// producer it assumes from the quick start.
using Roadrunner.Hosting;

internal static partial class ReadmeSnippets
{
    internal static async Task Snippet3(FunctionHost host, byte[] key, WasmFunction producer, Func<int, int> produce)
    {
        // README-SNIPPET
    }
}
