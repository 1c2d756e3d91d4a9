// The README's fifth C# snippet (your own linker): the engine, linker, module, directory and pool it assumes.
using Roadrunner;
using Roadrunner.Regions;

internal static partial class ReadmeSnippets
{
    internal static void Snippet5(Linker linker, IHoseDirectory directory, RegionPool pool, Engine engine, Module module)
    {
        // README-SNIPPET
    }
}
