namespace Roadrunner.Hoses.Network;

/// <summary>
/// What may stop a message while it is being written: the sender's deadline or cancellation token, looked at between
/// frames. Stopping a message after its first frame means abandoning the connection (the receiver then drops the
/// partial message), so the message is withdrawn: not delivered.
/// </summary>
internal readonly struct WriteStop(Deadline deadline, CancellationToken cancellationToken)
{
    public bool IsStopped => deadline.Passed || cancellationToken.IsCancellationRequested;

    /// <summary>Throws <see cref="WithdrawnException"/> when stopped and <paramref name="offset"/> bytes are already out.</summary>
    public void ThrowIfStopped(int offset)
    {
        if (offset > 0 && IsStopped)
        {
            throw new WithdrawnException();
        }
    }
}

/// <summary>A message was stopped part-way through its frames; the connection must go so the receiver drops it.</summary>
internal sealed class WithdrawnException() : Exception("the message was withdrawn part-way (deadline or cancellation)");
