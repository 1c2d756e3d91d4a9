// The README's fourth C# snippet (receiving in .NET): `someFunction` stands for any loaded function, so it only builds.
using Roadrunner;
using Roadrunner.Hosting;

internal static partial class ReadmeSnippets
{
    internal static async Task Snippet4(WasmFunction someFunction, CancellationToken cancellationToken)
    {
        // README-SNIPPET
    }
}
