namespace Roadrunner;

/// <summary>Thrown by the asynchronous hose methods when an operation fails with a <see cref="HoseStatus"/>.</summary>
public sealed class HoseException : Exception
{
    /// <summary>Creates an exception for a failed status.</summary>
    /// <param name="status">The failure; never <see cref="HoseStatus.Ok"/>.</param>
    /// <param name="message">What failed, for people.</param>
    public HoseException(HoseStatus status, string message)
        : base($"{message} ({status})")
    {
        Status = status;
    }

    /// <summary>Creates an exception for a failed status with a default message.</summary>
    /// <param name="status">The failure.</param>
    public HoseException(HoseStatus status)
        : this(status, "Hose operation failed")
    {
    }

    /// <summary>The status code of the failure.</summary>
    public HoseStatus Status { get; }

    /// <summary>Throws a <see cref="HoseException"/> unless <paramref name="status"/> is <see cref="HoseStatus.Ok"/>.</summary>
    /// <param name="status">The status to check.</param>
    /// <param name="operation">Names the operation in the message.</param>
    public static void ThrowIfFailed(HoseStatus status, string operation)
    {
        if (status != HoseStatus.Ok)
        {
            throw new HoseException(status, $"{operation} failed");
        }
    }
}
