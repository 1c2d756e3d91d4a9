using Wasmtime;

namespace Roadrunner.Workloads;

/// <summary>
/// A consumer guest of a baseline (no Roadrunner host). It takes a payload either as JSON (<c>json_buffer</c> +
/// <c>decode_json</c>) or as raw bytes the host writes into a buffer it asks for (<c>rr_alloc</c> +
/// <c>rr_on_message</c>, the same O(1) handler the hose calls). Calls are serialized by <see cref="Gate"/>.
/// </summary>
internal sealed class ConsumerGuest : IDisposable
{
    private readonly GuestInstance _guest;
    private readonly Func<int, int> _jsonBuffer;
    private readonly Func<int, int> _decodeJson;
    private readonly Func<int, int> _alloc;
    private readonly Action<int, int> _onMessage;
    private readonly Func<long> _checksum;
    private readonly Func<int> _lastLength;
    private readonly Func<int, int> _setReadAll;

    public ConsumerGuest(GuestInstance guest)
    {
        _guest = guest;
        Instance instance = guest.Instance;
        _jsonBuffer = guest.Require(instance.GetFunction<int, int>("json_buffer"), "json_buffer");
        _decodeJson = guest.Require(instance.GetFunction<int, int>("decode_json"), "decode_json");
        _alloc = guest.Require(instance.GetFunction<int, int>("rr_alloc"), "rr_alloc");
        _onMessage = guest.Require(instance.GetAction<int, int>("rr_on_message"), "rr_on_message");
        _checksum = guest.Require(instance.GetFunction<long>("checksum"), "checksum");
        _lastLength = guest.Require(instance.GetFunction<int>("last_length"), "last_length");
        _setReadAll = guest.Require(instance.GetFunction<int, int>("set_read_all"), "set_read_all");
    }

    /// <summary>Serializes every use of the guest and of spans over its memory (held across awaits).</summary>
    public SemaphoreSlim Gate { get; } = new(1, 1);

    /// <summary>The guest's memory.</summary>
    public Memory Memory => _guest.Memory;

    /// <summary>Asks the guest for a JSON input buffer of <paramref name="length"/> bytes; returns its address, 0 when refused.</summary>
    public int JsonBuffer(int length) => _jsonBuffer(length);

    /// <summary>Has the guest decode the JSON in its buffer; returns the payload length or a negative error.</summary>
    public int DecodeJson(int length) => _decodeJson(length);

    /// <summary>
    /// Asks the guest for a payload buffer (<c>rr_alloc</c>) and returns it in place, or an empty span with
    /// <paramref name="address"/> 0 when refused. Valid until the next call into the guest.
    /// </summary>
    public Span<byte> Allocate(int length, out int address)
    {
        address = _alloc(length);
        return address == 0 ? default : Memory.GetSpan(address, length);
    }

    /// <summary>Runs the guest's O(1) handler on a payload written at <paramref name="address"/>.</summary>
    public void OnMessage(int address, int length) => _onMessage(address, length);

    /// <summary>Checksum of the last payload (untimed verification).</summary>
    public ulong Checksum() => unchecked((ulong)_checksum());

    /// <summary>Length of the last payload.</summary>
    public int LastLength() => _lastLength();

    /// <summary>Sets what the guest's handler does with every payload (untimed), under <see cref="Gate"/>.</summary>
    public void SetConsumer(ConsumerWork work)
    {
        Gate.Wait();
        try
        {
            _setReadAll(work == ConsumerWork.ReadAll ? 1 : 0);
        }
        finally
        {
            Gate.Release();
        }
    }

    /// <summary>Checks the last payload under <see cref="Gate"/>.</summary>
    public bool Verify(int payloadBytes, ulong checksum)
    {
        Gate.Wait();
        try
        {
            return LastLength() == payloadBytes && Checksum() == checksum;
        }
        finally
        {
            Gate.Release();
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _guest.Dispose();
        Gate.Dispose();
    }
}
