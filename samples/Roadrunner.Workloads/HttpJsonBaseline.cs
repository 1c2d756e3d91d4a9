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
/// The way a payload moves between two WebAssembly functions today, without Roadrunner: the producer
/// guest encodes it as JSON (<c>{"payload":"&lt;base64&gt;"}</c>), its host POSTs that over loopback HTTP
/// to a Kestrel server, and the server's handler copies the body into the consumer guest, which decodes it.
/// </summary>
/// <remarks>
/// <para>
/// Both guests run in this process, each in its own Wasmtime store (one engine is shared). The HTTP
/// client is one pooled <see cref="SocketsHttpHandler"/>; the server listens on 127.0.0.1 on an
/// ephemeral port, with logging off. The guests do the base64 work (<c>encode_json</c> in
/// <c>producer.wasm</c>, <c>decode_json</c> in <c>consumer.wasm</c>); the hosts only move bytes:
/// guest memory → pooled array → socket → Kestrel's pipe → consumer guest memory.
/// </para>
/// <para>
/// Every use of a store is serialized, so <see cref="TransferAsync"/> may be called concurrently,
/// but the guests themselves handle one payload at a time.
/// </para>
/// </remarks>
public sealed class HttpJsonBaseline : IAsyncDisposable
{
    /// <summary>The largest request body the server accepts: room for a 100 MB payload in base64 and more.</summary>
    public const long MaxRequestBodyBytes = 256L * 1024 * 1024;

    /// <summary>The path the producer host POSTs to.</summary>
    public const string RequestPath = "/consume";

    private static readonly MediaTypeHeaderValue JsonMediaType = new("application/json");

    private readonly Engine engine;
    private readonly Linker linker;
    private readonly Module producerModule;
    private readonly Module consumerModule;
    private readonly GuestInstance producer;
    private readonly GuestInstance consumer;

    // A store is not thread-safe. The producer is only called synchronously; the consumer is held
    // across the awaits that copy a request body into it, hence a semaphore.
    private readonly Lock producerLock = new();
    private readonly SemaphoreSlim consumerGate = new(1, 1);

    private readonly Func<int, int, int> fill;
    private readonly Func<int, int> encodeJson;
    private readonly Func<int> jsonPtr;
    private readonly Func<int, int> jsonBuffer;
    private readonly Func<int, int> decodeJson;
    private readonly Func<long> checksum;

    private WebApplication? server;
    private SocketsHttpHandler? handler;
    private HttpClient? client;
    private Uri? endpoint;
    private int disposed;

    private HttpJsonBaseline()
    {
        engine = new Engine();
        try
        {
            linker = new Linker(engine);
            DefineUnusedRoadrunnerImports(linker);
            producerModule = Module.FromFile(engine, GuestModules.PathOf(GuestModules.Producer));
            consumerModule = Module.FromFile(engine, GuestModules.PathOf(GuestModules.Consumer));
            producer = GuestInstance.Create(engine, linker, producerModule, GuestModules.Producer);
            consumer = GuestInstance.Create(engine, linker, consumerModule, GuestModules.Consumer);

            fill = producer.Require(producer.Instance.GetFunction<int, int, int>("fill"), "fill");
            encodeJson = producer.Require(producer.Instance.GetFunction<int, int>("encode_json"), "encode_json");
            jsonPtr = producer.Require(producer.Instance.GetFunction<int>("json_ptr"), "json_ptr");
            jsonBuffer = consumer.Require(consumer.Instance.GetFunction<int, int>("json_buffer"), "json_buffer");
            decodeJson = consumer.Require(consumer.Instance.GetFunction<int, int>("decode_json"), "decode_json");
            checksum = consumer.Require(consumer.Instance.GetFunction<long>("checksum"), "checksum");
        }
        catch
        {
            DisposeWasm();
            throw;
        }
    }

    /// <summary>The URL the producer host POSTs to (valid once started).</summary>
    public Uri Endpoint => endpoint ?? throw new InvalidOperationException("The baseline is not started.");

    /// <summary>
    /// Loads both guests and starts the Kestrel server on 127.0.0.1 (ephemeral port) and the HTTP client.
    /// </summary>
    /// <param name="cancellationToken">Cancels the start.</param>
    /// <returns>The started baseline; dispose it to stop the server.</returns>
    public static async Task<HttpJsonBaseline> StartAsync(CancellationToken cancellationToken = default)
    {
        var baseline = new HttpJsonBaseline();
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
    /// Untimed set-up: has the producer guest fill its buffer with <paramref name="payloadBytes"/> bytes of
    /// the <see cref="Checksum.FillPattern"/> pattern.
    /// </summary>
    /// <param name="payloadBytes">The payload size in bytes.</param>
    /// <param name="seed">The pattern's seed.</param>
    /// <exception cref="InvalidOperationException">The guest could not allocate the buffer.</exception>
    public void Prepare(int payloadBytes, int seed)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(payloadBytes);
        ThrowIfDisposed();
        int ptr;
        lock (producerLock)
        {
            ptr = fill(payloadBytes, seed);
        }

        if (ptr == 0)
        {
            throw new InvalidOperationException($"The producer guest could not allocate {payloadBytes} bytes.");
        }
    }

    /// <summary>
    /// The timed part: the producer guest encodes the first <paramref name="payloadBytes"/> bytes of its
    /// buffer as JSON, the host copies the JSON out of guest memory and POSTs it; the server's handler copies
    /// the body into the consumer guest, which decodes it.
    /// </summary>
    /// <param name="payloadBytes">How many bytes of the prepared buffer to send.</param>
    /// <param name="cancellationToken">Cancels the transfer.</param>
    /// <returns>The payload length the consumer guest decoded.</returns>
    /// <exception cref="InvalidOperationException">The producer guest could not encode the payload.</exception>
    /// <exception cref="HttpRequestException">The server refused the body (e.g. the consumer could not decode it).</exception>
    public async Task<int> TransferAsync(int payloadBytes, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(payloadBytes);
        ThrowIfDisposed();
        HttpClient http = client ?? throw new InvalidOperationException("The baseline is not started.");

        byte[] body;
        int bodyLength;
        lock (producerLock)
        {
            bodyLength = encodeJson(payloadBytes);
            if (bodyLength < 0)
            {
                throw new InvalidOperationException(
                    $"The producer guest could not encode {payloadBytes} bytes (encode_json returned {bodyLength}).");
            }

            // The span is only valid until the next call into the guest: copy it out while holding the lock.
            body = ArrayPool<byte>.Shared.Rent(bodyLength);
            producer.CopyOut(jsonPtr(), bodyLength, body);
        }

        try
        {
            using var content = new ByteArrayContent(body, 0, bodyLength);
            content.Headers.ContentType = JsonMediaType;
            using HttpResponseMessage response = await http.PostAsync(endpoint, content, cancellationToken)
                .ConfigureAwait(false);
            response.EnsureSuccessStatusCode();
            string text = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
            return int.Parse(text, NumberStyles.None, CultureInfo.InvariantCulture);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(body);
        }
    }

    /// <summary>
    /// Untimed verification: the consumer guest's <c>checksum()</c> of the last payload it decoded,
    /// comparable with <see cref="Checksum.Compute"/>.
    /// </summary>
    /// <returns>The checksum.</returns>
    public ulong ConsumerChecksum()
    {
        ThrowIfDisposed();
        consumerGate.Wait();
        try
        {
            return unchecked((ulong)checksum());
        }
        finally
        {
            consumerGate.Release();
        }
    }

    /// <summary>Stops the server and the client, and frees both guests.</summary>
    /// <returns>A task that completes when everything is stopped.</returns>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref disposed, 1) != 0)
        {
            return;
        }

        client?.Dispose();
        handler?.Dispose();
        if (server is not null)
        {
            using var stopTimeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            try
            {
                await server.StopAsync(stopTimeout.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                // Requests still running after the timeout are aborted.
            }

            await server.DisposeAsync().ConfigureAwait(false);
        }

        // No request can reach the consumer any more; wait for one that is still inside it.
        await consumerGate.WaitAsync().ConfigureAwait(false);
        lock (producerLock)
        {
            DisposeWasm();
        }

        consumerGate.Dispose();
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
        server = app;
        app.Run(HandleAsync);
        await app.StartAsync(cancellationToken).ConfigureAwait(false);

        // Kestrel writes the bound port back into the listen options.
        int port = listen?.IPEndPoint?.Port ?? 0;
        if (port == 0)
        {
            throw new InvalidOperationException("Kestrel did not report the port it bound.");
        }

        endpoint = new Uri($"http://127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}{RequestPath}");
        handler = new SocketsHttpHandler
        {
            UseProxy = false,
            UseCookies = false,
            AllowAutoRedirect = false,
            AutomaticDecompression = DecompressionMethods.None,
            PooledConnectionIdleTimeout = TimeSpan.FromMinutes(5),
        };
        client = new HttpClient(handler, disposeHandler: false)
        {
            Timeout = TimeSpan.FromMinutes(5),
            DefaultRequestVersion = HttpVersion.Version11,
            DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact,
        };
    }

    /// <summary>The server's only route: POST <see cref="RequestPath"/> with a JSON body.</summary>
    private async Task HandleAsync(HttpContext context)
    {
        HttpRequest request = context.Request;
        HttpResponse response = context.Response;
        if (request.Path != RequestPath)
        {
            response.StatusCode = StatusCodes.Status404NotFound;
            return;
        }

        if (!HttpMethods.IsPost(request.Method))
        {
            response.StatusCode = StatusCodes.Status405MethodNotAllowed;
            return;
        }

        // The body goes straight from Kestrel's buffers into the guest, so its size must be known up front.
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

        int length = (int)contentLength;
        int decoded;
        CancellationToken aborted = context.RequestAborted;
        await consumerGate.WaitAsync(aborted).ConfigureAwait(false);
        try
        {
            if (Volatile.Read(ref disposed) != 0)
            {
                response.StatusCode = StatusCodes.Status503ServiceUnavailable;
                return;
            }

            int ptr = jsonBuffer(length);
            if (ptr == 0)
            {
                response.StatusCode = StatusCodes.Status507InsufficientStorage;
                return;
            }

            int copied = await CopyBodyIntoConsumerAsync(request.BodyReader, ptr, length, aborted)
                .ConfigureAwait(false);
            if (copied != length)
            {
                response.StatusCode = StatusCodes.Status400BadRequest;
                return;
            }

            decoded = decodeJson(length);
        }
        catch (WasmtimeException)
        {
            response.StatusCode = StatusCodes.Status500InternalServerError;
            return;
        }
        finally
        {
            consumerGate.Release();
        }

        if (decoded < 0)
        {
            response.StatusCode = StatusCodes.Status400BadRequest;
            return;
        }

        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = "text/plain";
        await response.WriteAsync(decoded.ToString(CultureInfo.InvariantCulture), aborted).ConfigureAwait(false);
    }

    /// <summary>
    /// Copies up to <paramref name="length"/> body bytes from Kestrel's pipe into the consumer's memory at
    /// <paramref name="ptr"/>, segment by segment. The caller holds <see cref="consumerGate"/>.
    /// </summary>
    /// <returns>How many bytes were copied (less than <paramref name="length"/> if the body ended early).</returns>
    private async Task<int> CopyBodyIntoConsumerAsync(PipeReader reader, int ptr, int length, CancellationToken cancellationToken)
    {
        int offset = 0;
        while (offset < length)
        {
            ReadResult result = await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            ReadOnlySequence<byte> buffer = result.Buffer;
            long take = Math.Min(buffer.Length, length - offset);
            if (take > 0)
            {
                // No guest code runs during the copy, so the memory cannot grow or move under the span.
                buffer.Slice(0, take).CopyTo(consumer.Memory.GetSpan(ptr + (long)offset, (int)take));
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

    /// <summary>
    /// The guests import <c>roadrunner.*</c>; in this baseline there is no Roadrunner host, so every import
    /// answers with a status code (the baseline never calls the guest functions that use them).
    /// </summary>
    private static void DefineUnusedRoadrunnerImports(Linker linker)
    {
        const string module = "roadrunner";
        const int UnknownTarget = -4;
        const int BadHandle = -3;
        const int WouldBlock = -1;
        const int TimedOut = -10;
        linker.DefineFunction(module, "open", (int namePtr, int nameLen) => UnknownTarget);
        linker.DefineFunction(module, "close", (int handle) => BadHandle);
        linker.DefineFunction(module, "send", (int handle, int ptr, int len) => BadHandle);
        linker.DefineFunction(module, "try_send", (int handle, int ptr, int len) => BadHandle);
        linker.DefineFunction(module, "next_length", () => WouldBlock);
        linker.DefineFunction(module, "receive", (int ptr, int cap) => WouldBlock);
        linker.DefineFunction(module, "receive_wait", (int ptr, int cap, int timeoutMs) => TimedOut);
    }

    private void DisposeWasm()
    {
        consumer?.Dispose();
        producer?.Dispose();
        consumerModule?.Dispose();
        producerModule?.Dispose();
        linker?.Dispose();
        engine.Dispose();
    }

    private void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(Volatile.Read(ref disposed) != 0, this);
}
