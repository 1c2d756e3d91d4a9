using Wasmtime;

namespace Roadrunner.Workloads;

/// <summary>
/// The producer guest of a baseline (no Roadrunner host): fills its payload buffer and encodes it as JSON. Calls are
/// serialized by <see cref="Gate"/>, which a caller may also hold across awaits while it reads the guest's memory.
/// </summary>
internal sealed class ProducerGuest : IDisposable
{
    private readonly GuestInstance _guest;
    private readonly Func<int, int, int> _fill;
    private readonly Func<int, int> _encodeJson;
    private readonly Func<int> _jsonPtr;
    private readonly Func<int> _bufferPtr;
    private int _filled = -1;

    public ProducerGuest(GuestInstance guest)
    {
        _guest = guest;
        _fill = guest.Require(guest.Instance.GetFunction<int, int, int>("fill"), "fill");
        _encodeJson = guest.Require(guest.Instance.GetFunction<int, int>("encode_json"), "encode_json");
        _jsonPtr = guest.Require(guest.Instance.GetFunction<int>("json_ptr"), "json_ptr");
        _bufferPtr = guest.Require(guest.Instance.GetFunction<int>("buffer_ptr"), "buffer_ptr");
    }

    /// <summary>Serializes every use of the guest and of spans over its memory.</summary>
    public SemaphoreSlim Gate { get; } = new(1, 1);

    /// <summary>The guest's memory.</summary>
    public Memory Memory => _guest.Memory;

    /// <summary>Fills the payload buffer (the caller holds <see cref="Gate"/>).</summary>
    public void Fill(int payloadBytes, int seed)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(payloadBytes);
        if (_fill(payloadBytes, seed) == 0)
        {
            throw new InvalidOperationException($"The producer guest could not allocate {payloadBytes} bytes.");
        }

        _filled = payloadBytes;
    }

    /// <summary>
    /// The first <paramref name="payloadBytes"/> bytes of the filled buffer, in place (the caller holds
    /// <see cref="Gate"/>; valid until the next call into the guest).
    /// </summary>
    public Span<byte> Payload(int payloadBytes)
    {
        if ((uint)payloadBytes > (uint)_filled)
        {
            throw new ArgumentOutOfRangeException(nameof(payloadBytes), $"Only {_filled} bytes were prepared.");
        }

        return Memory.GetSpan(_bufferPtr(), payloadBytes);
    }

    /// <summary>
    /// Has the guest encode the first <paramref name="payloadBytes"/> bytes as JSON and returns the JSON in place
    /// (the caller holds <see cref="Gate"/>; valid until the next call into the guest).
    /// </summary>
    public Span<byte> EncodeJson(int payloadBytes)
    {
        int length = EncodeJson(payloadBytes, out int address);
        return Memory.GetSpan(address, length);
    }

    /// <summary>
    /// Has the guest encode the first <paramref name="payloadBytes"/> bytes as JSON; returns its length and, in
    /// <paramref name="address"/>, where it is in the guest's memory (the caller holds <see cref="Gate"/>).
    /// </summary>
    public int EncodeJson(int payloadBytes, out int address)
    {
        int length = _encodeJson(payloadBytes);
        if (length < 0)
        {
            throw new InvalidOperationException(
                $"The producer guest could not encode {payloadBytes} bytes (encode_json returned {length}).");
        }

        address = _jsonPtr();
        return length;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _guest.Dispose();
        Gate.Dispose();
    }
}
