using System.Buffers;

namespace Roadrunner.Workloads;

/// <summary>
/// The array pools the baselines' hosts build and receive request bodies in, one per baseline instance (so its arrays
/// go when it is disposed). Not <see cref="ArrayPool{T}.Shared"/>: its per-thread caches miss when a body is rented on
/// one thread and returned on another after an await, so bodies of tens of MB were allocated afresh on most transfers.
/// These pools have no thread affinity and keep arrays up to 1 GiB.
/// </summary>
internal static class BaselineArrays
{
    /// <summary>A new pool.</summary>
    public static ArrayPool<byte> CreatePool() => ArrayPool<byte>.Create(maxArrayLength: 1 << 30, maxArraysPerBucket: 32);
}
