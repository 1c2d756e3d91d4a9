using System.Buffers;
using System.Buffers.Text;
using System.Text.Json;

namespace Roadrunner.Workloads;

/// <summary>
/// The JSON of the baselines (<c>{"payload":"&lt;base64&gt;"}</c>) done by a .NET host with its own fast encoders:
/// <see cref="Utf8JsonWriter.WriteBase64String(ReadOnlySpan{byte}, ReadOnlySpan{byte})"/> and
/// <see cref="Utf8JsonReader"/> + the vectorized <see cref="Base64"/> decoder, straight into the consumer guest.
/// </summary>
internal static class HostJson
{
    private static readonly JsonWriterOptions WriterOptions = new() { SkipValidation = true };

    /// <summary>The UTF-8 property name.</summary>
    public static ReadOnlySpan<byte> PropertyName => "payload"u8;

    /// <summary>Writes the JSON of <paramref name="payload"/> into a buffer from <paramref name="pool"/> the caller disposes.</summary>
    public static PooledBufferWriter Encode(ReadOnlySpan<byte> payload, ArrayPool<byte> pool)
    {
        var output = new PooledBufferWriter(pool, Base64.GetMaxEncodedToUtf8Length(payload.Length) + 16);
        try
        {
            using var writer = new Utf8JsonWriter(output, WriterOptions);
            writer.WriteStartObject();
            writer.WriteBase64String(PropertyName, payload);
            writer.WriteEndObject();
            writer.Flush();
            return output;
        }
        catch
        {
            output.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Parses the JSON in <paramref name="json"/> and decodes its payload straight into
    /// <paramref name="consumer"/>'s memory (a buffer from <c>rr_alloc</c>), then runs the guest's O(1) handler.
    /// The caller holds the consumer's gate.
    /// </summary>
    /// <returns>The payload length, or -1 when the JSON is malformed or the guest refused the buffer.</returns>
    public static int DecodeInto(ReadOnlySpan<byte> json, ConsumerGuest consumer)
    {
        var reader = new Utf8JsonReader(json, isFinalBlock: true, state: default);
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject ||
            !reader.Read() || reader.TokenType != JsonTokenType.PropertyName || !reader.ValueTextEquals(PropertyName) ||
            !reader.Read() || reader.TokenType != JsonTokenType.String)
        {
            return -1;
        }

        if (reader.ValueIsEscaped || reader.HasValueSequence)
        {
            // Never the case for what Encode writes; take the general (allocating) path.
            byte[] bytes = reader.GetBytesFromBase64();
            return Deliver(bytes, consumer);
        }

        ReadOnlySpan<byte> base64 = reader.ValueSpan;
        if (!reader.Read() || reader.TokenType != JsonTokenType.EndObject || base64.Length % 4 != 0)
        {
            return -1;
        }

        int padding = base64.IsEmpty ? 0 : base64[^1] != '=' ? 0 : base64[^2] == '=' ? 2 : 1;
        int length = base64.Length / 4 * 3 - padding;
        Span<byte> destination = consumer.Allocate(length, out int address);
        if (address == 0)
        {
            return -1;
        }

        OperationStatus status = Base64.DecodeFromUtf8(base64, destination, out _, out int written);
        if (status != OperationStatus.Done || written != length)
        {
            return -1;
        }

        consumer.OnMessage(address, length);
        return length;
    }

    private static int Deliver(ReadOnlySpan<byte> payload, ConsumerGuest consumer)
    {
        Span<byte> destination = consumer.Allocate(payload.Length, out int address);
        if (address == 0)
        {
            return -1;
        }

        payload.CopyTo(destination);
        consumer.OnMessage(address, payload.Length);
        return payload.Length;
    }
}
