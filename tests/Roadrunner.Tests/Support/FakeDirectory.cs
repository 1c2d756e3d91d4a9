using System.Diagnostics.CodeAnalysis;

namespace Roadrunner.Tests.Support;

/// <summary>A directory that knows a fixed set of names and records every name it was asked for.</summary>
internal sealed class FakeDirectory : IHoseDirectory
{
    private readonly Dictionary<string, IHoseSender> _names = new(StringComparer.Ordinal);

    public List<string> Asked { get; } = [];

    public FakeDirectory Add(string name, IHoseSender sender)
    {
        _names.Add(name, sender);
        return this;
    }

    public bool TryResolve(string name, [NotNullWhen(true)] out IHoseSender? sender)
    {
        lock (Asked)
        {
            Asked.Add(name);
        }

        return _names.TryGetValue(name, out sender);
    }
}
