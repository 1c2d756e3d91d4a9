using Roadrunner.Workloads;

namespace Roadrunner.Bench.Contenders;

/// <summary>Starts one kind of contender (a hose mode or a baseline) with a given number of consumer guests.</summary>
public interface IContenderFactory
{
    /// <summary>The contender's name, e.g. <c>in-process</c> or <c>http-json</c>; also its <see cref="IPayloadContender.Name"/>.</summary>
    string Name { get; }

    /// <summary>True when <see cref="StartAsync"/> accepts more than one receiver (fan-out).</summary>
    bool SupportsFanOut { get; }

    /// <summary>Starts the contender: loads the guests, opens connections or starts peer processes.</summary>
    /// <param name="receivers">How many consumer guests receive every payload (1 = a chain).</param>
    /// <param name="cancellationToken">Cancels the start.</param>
    /// <returns>The running contender; the caller disposes it.</returns>
    Task<IPayloadContender> StartAsync(int receivers, CancellationToken cancellationToken);
}
