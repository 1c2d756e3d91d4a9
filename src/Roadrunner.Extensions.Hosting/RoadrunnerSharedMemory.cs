using Roadrunner.Hoses.SharedMemory;

namespace Roadrunner.Extensions.Hosting;

/// <summary>The shared-memory endpoint: serves this node's functions to other processes on the machine and reaches theirs.</summary>
public sealed class RoadrunnerSharedMemory
{
    /// <summary>Start the endpoint. Default: true (a present section turns it on).</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Its settings (rendezvous folder, ring slots, limits).</summary>
    public SharedMemoryOptions Options { get; set; } = new();
}
