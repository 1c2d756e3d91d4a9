namespace Roadrunner.Workloads;

/// <summary>What every consumer guest does with a payload once it has it (the <c>consumer</c> field of compare records).</summary>
public enum ConsumerWork
{
    /// <summary>O(1): length, first and last byte (the paper's consumer, and the default).</summary>
    Touch,

    /// <summary>Reads every byte (sums its 64-bit words), so a cost deferred to the first read shows in the time.</summary>
    ReadAll,
}

/// <summary>The names of <see cref="ConsumerWork"/> in records, tables and command lines.</summary>
public static class ConsumerWorkNames
{
    /// <summary><see cref="ConsumerWork.Touch"/>.</summary>
    public const string Touch = "touch";

    /// <summary><see cref="ConsumerWork.ReadAll"/>.</summary>
    public const string ReadAll = "read-all";

    /// <summary>The name of <paramref name="work"/>: <c>touch</c> or <c>read-all</c>.</summary>
    /// <param name="work">The consumer's work.</param>
    /// <returns>The name.</returns>
    public static string Name(this ConsumerWork work) => work == ConsumerWork.ReadAll ? ReadAll : Touch;

    /// <summary>Parses <c>touch</c> or <c>read-all</c>.</summary>
    /// <param name="name">The name.</param>
    /// <returns>The consumer's work.</returns>
    /// <exception cref="ArgumentException">Neither name.</exception>
    public static ConsumerWork Parse(string name) => name switch
    {
        Touch => ConsumerWork.Touch,
        ReadAll => ConsumerWork.ReadAll,
        _ => throw new ArgumentException($"A consumer is '{Touch}' or '{ReadAll}', not '{name}'.", nameof(name)),
    };
}
