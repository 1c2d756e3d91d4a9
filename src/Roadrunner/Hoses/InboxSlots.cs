namespace Roadrunner.Hoses;

/// <summary>
/// The queue slots of an inbox (taken through its <see cref="InboxWriter"/>): a payload is queued only with a slot taken, and taking it out
/// gives the slot back. A wait for a slot is skipped when only the waiting thread could free one.
/// </summary>
internal sealed class InboxSlots(int count)
{
    private readonly SemaphoreSlim _free = new(count, count);

    /// <summary>
    /// True when only the calling thread could take payloads out of the hose now (its receiver is inside a call on
    /// this thread and nothing else reads it): a sender on that thread must not wait for a slot.
    /// </summary>
    public Func<bool>? OnlyThisThreadCanDrain { get; set; }

    /// <summary>Takes a slot without waiting.</summary>
    public bool TryTake() => _free.Wait(0);

    /// <summary>Waits for a slot, but not when the wait could only end by the waiting thread itself.</summary>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> fired.</exception>
    public bool Take(TimeSpan timeout, CancellationToken cancellationToken)
    {
        if (_free.Wait(0))
        {
            return true;
        }

        // A guest sending to its own full inbox (directly, through a route, or from .NET code inside its call): room
        // comes only when that call ends, so waiting would last the whole timeout, or forever.
        return OnlyThisThreadCanDrain?.Invoke() != true && _free.Wait(timeout, cancellationToken);
    }

    /// <summary>Waits for a slot.</summary>
    public Task TakeAsync(CancellationToken cancellationToken) => _free.WaitAsync(cancellationToken);

    /// <summary>Gives a slot back (its payload was taken out, or never queued).</summary>
    public void Return() => _free.Release();
}
