namespace Roadrunner.Demo;

/// <summary>One hose mode in the demo table: moves the producer guest's payload into a consumer guest.</summary>
internal interface IDemoMode : IAsyncDisposable
{
    /// <summary>The mode's name in the table.</summary>
    string Name { get; }

    /// <summary>Fills the producer's buffer with the seed's pattern (untimed).</summary>
    ValueTask PrepareAsync(int payloadBytes, int seed);

    /// <summary>The timed part: completes once the consumer guest has the whole payload.</summary>
    ValueTask TransferAsync(int payloadBytes);

    /// <summary>Untimed check that the consumer got exactly the bytes sent.</summary>
    ValueTask<bool> VerifyAsync(int payloadBytes, ulong checksum);
}
