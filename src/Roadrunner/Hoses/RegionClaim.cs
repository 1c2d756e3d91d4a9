namespace Roadrunner.Hoses;

/// <summary>Room for one payload in a single region, written in place by a .NET producer and then committed to the inbox.</summary>
internal sealed class RegionClaim : HoseClaim
{
    private readonly InboxWriter _inbox;
    private readonly InboxReservation _reservation;
    private int _ended; // 1 once committed or abandoned

    /// <param name="inbox">The inbox the claim was reserved in.</param>
    /// <param name="reservation">A slot and one region.</param>
    public RegionClaim(InboxWriter inbox, InboxReservation reservation)
    {
        _inbox = inbox;
        _reservation = reservation;
    }

    public override Memory<byte> Memory =>
        Volatile.Read(ref _ended) == 0 && _reservation.Regions is { } payload
            ? (payload.Chunks.Length == 0 ? Memory<byte>.Empty : payload.Chunks[0].Memory)
            : throw new ObjectDisposedException(nameof(HoseClaim));

    public override HoseStatus Commit() =>
        Interlocked.Exchange(ref _ended, 1) == 0
            ? _inbox.Commit(_reservation)
            : throw new InvalidOperationException("The claim was already committed or abandoned.");

    protected override void Dispose(bool disposing)
    {
        if (Interlocked.Exchange(ref _ended, 1) == 0)
        {
            _inbox.Abort(_reservation); // abandoned: the regions and the queue slot go back
        }
    }
}
