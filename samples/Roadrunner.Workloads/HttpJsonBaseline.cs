using System.Buffers;
using System.Globalization;
using System.IO.Pipelines;
using System.Net;
using System.Net.Http.Headers;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Wasmtime;

namespace Roadrunner.Workloads;

/// <summary>
/// The way a payload moves between two WebAssembly functions today, without Roadrunner: the payload becomes JSON
/// (<c>{"payload":"&lt;base64&gt;"}</c>), the producer's host POSTs it over loopback HTTP to a Kestrel server, and the
/// server's handler hands the body to the consumer guest. With several consumers (fan-out) the producer's host POSTs
/// the same body to each of them, concurrently.
/// </summary>
/// <remarks>
/// <para>
/// Both hosts run in this process, each guest in its own Wasmtime store (one engine is shared). The HTTP client is one
/// pooled <see cref="SocketsHttpHandler"/>; the server listens on 127.0.0.1 on an ephemeral port, with logging off.
/// </para>
/// <para>
/// With <see cref="JsonWork.Guest"/> (<c>http-json</c>, the paper's baseline) the guests do the base64 work
/// (<c>encode_json</c> in <c>producer.wasm</c>, <c>decode_json</c> in <c>consumer.wasm</c>) and the hosts only move
/// bytes: guest memory → pooled array → socket → Kestrel's pipe → consumer guest memory. With
/// <see cref="JsonWork.Host"/> (<c>http-json-host</c>, the strongest variant) the hosts do it with .NET's encoders:
/// the producer host encodes straight from the guest's memory, the consumer host decodes straight into the guest's
/// memory and calls its O(1) handler.
/// </para>
/// <para>Every use of a store is serialized, so <see cref="TransferAsync"/> may be called concurrently.</para>
/// </remarks>
public sealed class HttpJsonBaseline : IPayloadContender
{
    /// <summary>The largest request body the server accepts: room for a 500 MB payload in base64 and more.</summary>
    public const long MaxRequestBodyBytes = 1L << 30;

    /// <summary>The path the producer host POSTs to (consumer <c>i</c> of a fan-out listens on <c>/consume/i</c>).</summary>
    public const string RequestPath = "/consume";

    private static readonly MediaTypeHeaderValue JsonMediaType = new("application/json");

    private readonly BaselineGuests _guests;
    private readonly JsonWork _json;
    private readonly int _parallelism;
    private readonly ArrayPool<byte> _arrays = BaselineArrays.CreatePool();
    private WebApplication? _server;
    private SocketsHttpHandler? _handler;
    private HttpClient? _client;
    private Uri[] _endpoints = [];
    private int _disposed;

    private HttpJsonBaseline(int consumers, JsonWork json)
    {
        _guests = BaselineGuests.Create(consumers);
        _json = json;

        // A competent fan-out: concurrent requests over a bounded set, enough to keep both cores and the loopback busy.
        _parallelism = Math.Min(consumers, Math.Max(4, 4 * Environment.ProcessorCount));
    }

    /// <inheritdoc />
    public string Name => _json == JsonWork.Guest ? "http-json" : "http-json-host";

    /// <summary>Who does the JSON: the guests or the hosts.</summary>
    public JsonWork Json => _json;

    /// <inheritdoc />
    public int Receivers => _guests.Consumers.Count;

    /// <summary>The URL the producer host POSTs to for the first consumer (valid once started).</summary>
    public Uri Endpoint => _endpoints.Length != 0 ? _endpoints[0] : throw new InvalidOperationException("The baseline is not started.");

    /// <summary>
    /// Loads both guests and starts the Kestrel server on 127.0.0.1 (ephemeral port) and the HTTP client: the paper's
    /// baseline with one consumer, guests doing the JSON.
    /// </summary>
    /// <param name="cancellationToken">Cancels the start.</param>
    /// <returns>The started baseline; dispose it to stop the server.</returns>
    public static Task<HttpJsonBaseline> StartAsync(CancellationToken cancellationToken = default) =>
        StartAsync(1, JsonWork.Guest, cancellationToken);

    /// <summary>Loads the producer and <paramref name="consumers"/> consumer guests and starts the server and client.</summary>
    /// <param name="consumers">How many consumers receive every payload (1 = a chain).</param>
    /// <param name="json">Who does the JSON.</param>
    /// <param name="cancellationToken">Cancels the start.</param>
    /// <returns>The started baseline; dispose it to stop the server.</returns>
    public static async Task<HttpJsonBaseline> StartAsync(int consumers, JsonWork json, CancellationToken cancellationToken = default)
    {
        var baseline = new HttpJsonBaseline(consumers, json);
        try
        {
            await baseline.StartServerAsync(cancellationToken).ConfigureAwait(false);
            return baseline;
        }
        catch
        {
            await baseline.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>
    /// Untimed set-up: has the producer guest fill its buffer with <paramref name="payloadBytes"/> bytes of the
    /// <see cref="Checksum.FillPattern"/> pattern.
    /// </summary>
    /// <param name="payloadBytes">The payload size in bytes.</param>
    /// <param name="seed">The pattern's seed.</param>
    /// <exception cref="InvalidOperationException">The guest could not allocate the buffer.</exception>
    public void Prepare(int payloadBytes, int seed)
    {
        ThrowIfDisposed();
        _guests.Prepare(payloadBytes, seed);
    }

    /// <summary>
    /// The timed part: the payload becomes JSON (in the producer guest or its host), the host POSTs it to every
    /// consumer, and each consumer's handler hands the body to its guest (which decodes it, or gets it decoded).
    /// </summary>
    /// <param name="payloadBytes">How many bytes of the prepared buffer to send.</param>
    /// <param name="cancellationToken">Cancels the transfer.</param>
    /// <returns>The payload length the consumer guests got.</returns>
    /// <exception cref="InvalidOperationException">The payload could not be encoded.</exception>
    /// <exception cref="HttpRequestException">The server refused the body (e.g. the consumer could not decode it).</exception>
    public async Task<int> TransferAsync(int payloadBytes, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(payloadBytes);
        ThrowIfDisposed();
        HttpClient http = _client ?? throw new InvalidOperationException("The baseline is not started.");

        ProducerGuest producer = _guests.Producer;
        byte[]? rented = null;
        PooledBufferWriter? written = null;
        byte[] body;
        int bodyLength;
        await producer.Gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_json == JsonWork.Guest)
            {
                // The span is only valid until the next call into the guest: copy it out while holding the gate.
                Span<byte> json = producer.EncodeJson(payloadBytes);
                rented = _arrays.Rent(json.Length);
                json.CopyTo(rented);
                body = rented;
                bodyLength = json.Length;
            }
            else
            {
                written = HostJson.Encode(producer.Payload(payloadBytes), _arrays);
                body = written.Buffer;
                bodyLength = written.WrittenCount;
            }
        }
        finally
        {
            producer.Gate.Release();
        }

        try
        {
            if (_endpoints.Length == 1)
            {
                return await PostAsync(http, _endpoints[0], body, bodyLength, cancellationToken).ConfigureAwait(false);
            }

            int got = -1;
            await Parallel.ForEachAsync(
                _endpoints,
                new ParallelOptions { MaxDegreeOfParallelism = _parallelism, CancellationToken = cancellationToken },
                async (endpoint, token) =>
                {
                    int length = await PostAsync(http, endpoint, body, bodyLength, token).ConfigureAwait(false);
                    if (Interlocked.Exchange(ref got, length) is int previous && previous >= 0 && previous != length)
                    {
                        throw new InvalidOperationException($"Consumers decoded different lengths ({previous} and {length}).");
                    }
                }).ConfigureAwait(false);
            return got;
        }
        finally
        {
            if (rented is not null)
            {
                _arrays.Return(rented);
            }

            written?.Dispose();
        }
    }

    /// <summary>
    /// Untimed verification: the first consumer guest's <c>checksum()</c> of the last payload it got, comparable with
    /// <see cref="Checksum.Compute"/>.
    /// </summary>
    /// <returns>The checksum.</returns>
    public ulong ConsumerChecksum() => ConsumerChecksum(0);

    /// <summary>Untimed verification: consumer <paramref name="index"/>'s checksum of its last payload.</summary>
    /// <param name="index">Which consumer (0-based).</param>
    /// <returns>The checksum.</returns>
    public ulong ConsumerChecksum(int index)
    {
        ThrowIfDisposed();
        ConsumerGuest consumer = _guests.Consumers[index];
        consumer.Gate.Wait();
        try
        {
            return consumer.Checksum();
        }
        finally
        {
            consumer.Gate.Release();
        }
    }

    /// <inheritdoc />
    ValueTask IPayloadContender.PrepareAsync(int payloadBytes, int seed)
    {
        Prepare(payloadBytes, seed);
        return ValueTask.CompletedTask;
    }

    /// <inheritdoc />
    async ValueTask IPayloadContender.TransferAsync(int payloadBytes)
    {
        int got = await TransferAsync(payloadBytes, CancellationToken.None).ConfigureAwait(false);
        if (got != payloadBytes)
        {
            throw new InvalidOperationException($"{Name}: the consumers got {got} bytes, not {payloadBytes}.");
        }
    }

    /// <inheritdoc />
    public ValueTask SetConsumerAsync(ConsumerWork work)
    {
        _guests.SetConsumer(work);
        return ValueTask.CompletedTask;
    }

    /// <inheritdoc />
    public ValueTask<bool> VerifyAsync(int payloadBytes, ulong checksum)
    {
        ThrowIfDisposed();
        return ValueTask.FromResult(_guests.Verify(payloadBytes, checksum));
    }

    /// <summary>Stops the server and the client, and frees the guests.</summary>
    /// <returns>A task that completes when everything is stopped.</returns>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        _client?.Dispose();
        _handler?.Dispose();
        if (_server is not null)
        {
            using var stopTimeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            try
            {
                await _server.StopAsync(stopTimeout.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                // Requests still running after the timeout are aborted.
            }

            await _server.DisposeAsync().ConfigureAwait(false);
        }

        // No request can reach a guest any more; wait for those still inside one.
        await _guests.Producer.Gate.WaitAsync().ConfigureAwait(false);
        foreach (ConsumerGuest consumer in _guests.Consumers)
        {
            await consumer.Gate.WaitAsync().ConfigureAwait(false);
        }

        _guests.Dispose();
    }

    private static async Task<int> PostAsync(HttpClient http, Uri endpoint, byte[] body, int bodyLength, CancellationToken cancellationToken)
    {
        using var content = new ByteArrayContent(body, 0, bodyLength);
        content.Headers.ContentType = JsonMediaType;
        using HttpResponseMessage response = await http.PostAsync(endpoint, content, cancellationToken).ConfigureAwait(false);
        response.EnsureSuccessStatusCode();
        string text = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
        return int.Parse(text, NumberStyles.None, CultureInfo.InvariantCulture);
    }

    private async Task StartServerAsync(CancellationToken cancellationToken)
    {
        ListenOptions? listen = null;
        WebApplicationBuilder builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions
        {
            ApplicationName = typeof(HttpJsonBaseline).Assembly.GetName().Name,
            ContentRootPath = AppContext.BaseDirectory,
        });
        builder.WebHost.UseKestrelCore().ConfigureKestrel(options =>
        {
            options.AddServerHeader = false;
            options.Limits.MaxRequestBodySize = MaxRequestBodyBytes;
            options.Listen(IPAddress.Loopback, 0, o =>
            {
                o.Protocols = HttpProtocols.Http1;
                listen = o;
            });
        });

        WebApplication app = builder.Build();
        _server = app;
        app.Run(HandleAsync);
        await app.StartAsync(cancellationToken).ConfigureAwait(false);

        // Kestrel writes the bound port back into the listen options.
        int port = listen?.IPEndPoint?.Port ?? 0;
        if (port == 0)
        {
            throw new InvalidOperationException("Kestrel did not report the port it bound.");
        }

        string root = $"http://127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}{RequestPath}";
        _endpoints = Receivers == 1
            ? [new Uri(root)]
            : [.. Enumerable.Range(0, Receivers).Select(i => new Uri($"{root}/{i.ToString(CultureInfo.InvariantCulture)}"))];
        _handler = new SocketsHttpHandler
        {
            UseProxy = false,
            UseCookies = false,
            AllowAutoRedirect = false,
            AutomaticDecompression = DecompressionMethods.None,
            PooledConnectionIdleTimeout = TimeSpan.FromMinutes(5),
        };
        _client = new HttpClient(_handler, disposeHandler: false)
        {
            Timeout = TimeSpan.FromMinutes(5),
            DefaultRequestVersion = HttpVersion.Version11,
            DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact,
        };
    }

    /// <summary>Which consumer a path addresses: <c>/consume</c> is the first, <c>/consume/i</c> is consumer <c>i</c>.</summary>
    private ConsumerGuest? ConsumerFor(PathString path)
    {
        string value = path.Value ?? string.Empty;
        if (value == RequestPath)
        {
            return _guests.Consumers[0];
        }

        if (value.StartsWith(RequestPath + "/", StringComparison.Ordinal) &&
            int.TryParse(value.AsSpan(RequestPath.Length + 1), NumberStyles.None, CultureInfo.InvariantCulture, out int index) &&
            index < _guests.Consumers.Count)
        {
            return _guests.Consumers[index];
        }

        return null;
    }

    /// <summary>The server's only route: POST <see cref="RequestPath"/>[/i] with a JSON body.</summary>
    private async Task HandleAsync(HttpContext context)
    {
        HttpRequest request = context.Request;
        HttpResponse response = context.Response;
        if (ConsumerFor(request.Path) is not ConsumerGuest consumer)
        {
            response.StatusCode = StatusCodes.Status404NotFound;
            return;
        }

        if (!HttpMethods.IsPost(request.Method))
        {
            response.StatusCode = StatusCodes.Status405MethodNotAllowed;
            return;
        }

        // The body goes straight into a buffer of its size, so the size must be known up front.
        if (request.ContentLength is not long contentLength)
        {
            response.StatusCode = StatusCodes.Status411LengthRequired;
            return;
        }

        if (contentLength > MaxRequestBodyBytes)
        {
            response.StatusCode = StatusCodes.Status413PayloadTooLarge;
            return;
        }

        CancellationToken aborted = context.RequestAborted;
        int decoded = _json == JsonWork.Guest
            ? await DecodeInGuestAsync(request.BodyReader, consumer, (int)contentLength, aborted).ConfigureAwait(false)
            : await DecodeInHostAsync(request.BodyReader, consumer, (int)contentLength, aborted).ConfigureAwait(false);
        if (decoded < 0)
        {
            response.StatusCode = decoded == int.MinValue ? StatusCodes.Status503ServiceUnavailable : StatusCodes.Status400BadRequest;
            return;
        }

        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = "text/plain";
        await response.WriteAsync(decoded.ToString(CultureInfo.InvariantCulture), aborted).ConfigureAwait(false);
    }

    /// <summary><c>http-json</c>: body → the guest's JSON buffer (one copy), then the guest decodes it.</summary>
    /// <returns>The payload length; negative when refused (<see cref="int.MinValue"/> when shutting down).</returns>
    private async Task<int> DecodeInGuestAsync(PipeReader body, ConsumerGuest consumer, int length, CancellationToken cancellationToken)
    {
        await consumer.Gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (Volatile.Read(ref _disposed) != 0)
            {
                return int.MinValue;
            }

            int ptr = consumer.JsonBuffer(length);
            if (ptr == 0)
            {
                return -1;
            }

            // No guest code runs during the copy, so the memory cannot grow or move under the spans.
            int copied = await CopyBodyAsync(body, length, (offset, count) => consumer.Memory.GetSpan(ptr + (long)offset, count), cancellationToken)
                .ConfigureAwait(false);
            return copied != length ? -1 : consumer.DecodeJson(length);
        }
        catch (WasmtimeException)
        {
            return -1;
        }
        finally
        {
            consumer.Gate.Release();
        }
    }

    /// <summary><c>http-json-host</c>: body → pooled array (one copy), parsed and base64-decoded by .NET into the guest.</summary>
    /// <returns>The payload length; negative when refused (<see cref="int.MinValue"/> when shutting down).</returns>
    private async Task<int> DecodeInHostAsync(PipeReader body, ConsumerGuest consumer, int length, CancellationToken cancellationToken)
    {
        byte[] json = _arrays.Rent(length);
        try
        {
            int copied = await CopyBodyAsync(body, length, (offset, count) => json.AsSpan(offset, count), cancellationToken).ConfigureAwait(false);
            if (copied != length)
            {
                return -1;
            }

            await consumer.Gate.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                return Volatile.Read(ref _disposed) != 0 ? int.MinValue : HostJson.DecodeInto(json.AsSpan(0, length), consumer);
            }
            catch (WasmtimeException)
            {
                return -1;
            }
            finally
            {
                consumer.Gate.Release();
            }
        }
        finally
        {
            _arrays.Return(json);
        }
    }

    /// <summary>
    /// Copies up to <paramref name="length"/> body bytes from Kestrel's pipe into the destination <paramref name="slice"/>
    /// gives for each (offset, count), segment by segment.
    /// </summary>
    /// <returns>How many bytes were copied (less than <paramref name="length"/> if the body ended early).</returns>
    private static async Task<int> CopyBodyAsync(PipeReader reader, int length, Func<int, int, Span<byte>> slice, CancellationToken cancellationToken)
    {
        int offset = 0;
        while (offset < length)
        {
            ReadResult result = await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            ReadOnlySequence<byte> buffer = result.Buffer;
            long take = Math.Min(buffer.Length, length - offset);
            if (take > 0)
            {
                buffer.Slice(0, take).CopyTo(slice(offset, (int)take));
                offset += (int)take;
            }

            reader.AdvanceTo(buffer.GetPosition(take));
            if (result.IsCompleted || result.IsCanceled)
            {
                break;
            }
        }

        return offset;
    }

    private void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
}
