// The README's second C# snippet (shared memory): it declares everything it uses.
using Roadrunner;
using Roadrunner.Hosting;

internal static partial class ReadmeSnippets
{
    internal static async Task Snippet2()
    {
        // README-SNIPPET
    }
}
