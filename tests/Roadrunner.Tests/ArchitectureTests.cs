using System.Reflection;
using NetArchTest.Rules;
using Roadrunner.Hosting;

namespace Roadrunner.Tests;

/// <summary>
/// The layers point one way (docs/architecture.md): Abstractions ← Diagnostics ← Regions ← Hoses ← Wasm ← Hosting
/// ← Extensions.Hosting. Types of a layer may use the layers below it, never one above.
/// </summary>
public class ArchitectureTests
{
    private const string Diagnostics = "Roadrunner.Diagnostics";
    private const string Regions = "Roadrunner.Regions";
    private const string Hoses = "Roadrunner.Hoses";
    private const string Wasm = "Roadrunner.Wasm";
    private const string Hosting = "Roadrunner.Hosting";
    private const string Extensions = "Roadrunner.Extensions";

    private static readonly Assembly Library = typeof(FunctionHost).Assembly;

    [TestCase(Diagnostics, new[] { Regions, Hoses, Wasm, Hosting, Extensions })]
    [TestCase(Regions, new[] { Hoses, Wasm, Hosting, Extensions })]
    [TestCase(Hoses, new[] { Wasm, Hosting, Extensions })]
    [TestCase(Wasm, new[] { Hosting, Extensions })]
    [TestCase(Hosting, new[] { Extensions })]
    public void LayerDoesNotDependOnTheLayersAboveIt(string layer, string[] above)
    {
        TestResult result = Types.InAssembly(Library).That().ResideInNamespace(layer).ShouldNot().HaveDependencyOnAny(above).GetResult();

        Assert.That(result.IsSuccessful, Is.True, () => $"{layer} uses a layer above it in: {string.Join(", ", result.FailingTypeNames ?? [])}");
    }

    [Test]
    public void AbstractionsDependOnNoOtherRoadrunnerLayer()
    {
        TestResult result = Types.InAssembly(typeof(IDataHose).Assembly).ShouldNot()
            .HaveDependencyOnAny(Diagnostics, Regions, Hoses, Wasm, Hosting, Extensions).GetResult();

        Assert.That(result.IsSuccessful, Is.True, () => $"Roadrunner.Abstractions uses another layer in: {string.Join(", ", result.FailingTypeNames ?? [])}");
    }

    [Test]
    public void EveryTypeOfTheLibrarySitsInALayer()
    {
        // A type outside the layer namespaces would escape the checks above.
        string[] layers = [Diagnostics, Regions, Hoses, Wasm, Hosting];
        string[] outside = [.. Library.GetTypes()
            .Where(t => t.Namespace is not null && !t.Namespace.StartsWith("System", StringComparison.Ordinal) && !t.Namespace.StartsWith("Microsoft", StringComparison.Ordinal))
            .Where(t => !layers.Any(l => t.Namespace == l || t.Namespace!.StartsWith(l + ".", StringComparison.Ordinal)))
            .Select(t => t.FullName!)];

        Assert.That(outside, Is.Empty);
    }
}
