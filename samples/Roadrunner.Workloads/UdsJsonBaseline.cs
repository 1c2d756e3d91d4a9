using System.Buffers.Binary;
using System.Net.Sockets;

namespace Roadrunner.Workloads;

/// <summary>
/// <c>uds-json</c>: the <c>http-json</c> guests (base64 JSON encoded and decoded in guest code) with the HTTP stack
/// replaced by a length-prefixed UNIX domain socket: a 4-byte little-endian length, then the JSON; the consumer host
/// answers with the 4-byte decoded length.
/// </summary>
/// <remarks>
/// The producer host sends the JSON straight from the producer guest's memory and the consumer host receives it
/// straight into the consumer guest's JSON buffer: no copy besides the kernel's. Each consumer has its own connection
/// and a receiving thread; a fan-out sends to the consumers in parallel (bounded by the core count).
/// </remarks>
public sealed class UdsJsonBaseline : IPayloadContender
{
    private readonly BaselineGuests _guests;
    private readonly string _socketPath;
    private readonly Socket _listener;
    private readonly List<Socket> _senders = [];
    private readonly List<Socket> _receivers = [];
    private readonly List<Thread> _threads = [];
    private int _disposed;

    private UdsJsonBaseline(int consumers)
    {
        _guests = BaselineGuests.Create(consumers);
        _socketPath = Path.Combine(Path.GetTempPath(), $"rr-uds-json-{Environment.ProcessId}-{Guid.NewGuid():N}.sock");
        _listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
    }

    /// <inheritdoc />
    public string Name => "uds-json";

    /// <inheritdoc />
    public int Receivers => _guests.Consumers.Count;

    /// <summary>Loads the guests, listens on a fresh socket file under the temp folder and connects every consumer.</summary>
    /// <param name="consumers">How many consumers receive every payload (1 = a chain).</param>
    /// <returns>The started baseline; dispose it to close the sockets and free the guests.</returns>
    public static UdsJsonBaseline Start(int consumers = 1)
    {
        var baseline = new UdsJsonBaseline(consumers);
        try
        {
            baseline.Connect();
            return baseline;
        }
        catch
        {
            baseline.Dispose();
            throw;
        }
    }

    /// <inheritdoc />
    public ValueTask PrepareAsync(int payloadBytes, int seed)
    {
        _guests.Prepare(payloadBytes, seed);
        return ValueTask.CompletedTask;
    }

    /// <summary>
    /// The timed part: the producer guest encodes the JSON, the host sends it to every consumer and waits for each
    /// consumer's answer (sent after its guest decoded the payload).
    /// </summary>
    /// <param name="payloadBytes">The payload size.</param>
    /// <returns>The payload length the consumers decoded.</returns>
    public int Transfer(int payloadBytes)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        ProducerGuest producer = _guests.Producer;
        producer.Gate.Wait();
        try
        {
            int length = producer.EncodeJson(payloadBytes, out int address);
            if (_senders.Count == 1)
            {
                return SendAndAwaitAnswer(_senders[0], producer, address, length);
            }

            int got = -1;
            Parallel.For(0, _senders.Count, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount }, i =>
            {
                int decoded = SendAndAwaitAnswer(_senders[i], producer, address, length);
                if (Interlocked.Exchange(ref got, decoded) is int previous && previous >= 0 && previous != decoded)
                {
                    throw new InvalidOperationException($"Consumers decoded different lengths ({previous} and {decoded}).");
                }
            });
            return got;
        }
        finally
        {
            producer.Gate.Release();
        }
    }

    /// <inheritdoc />
    ValueTask IPayloadContender.TransferAsync(int payloadBytes)
    {
        int got = Transfer(payloadBytes);
        return got == payloadBytes
            ? ValueTask.CompletedTask
            : throw new InvalidOperationException($"{Name}: the consumers got {got} bytes, not {payloadBytes}.");
    }

    /// <inheritdoc />
    public ValueTask SetConsumerAsync(ConsumerWork work)
    {
        _guests.SetConsumer(work);
        return ValueTask.CompletedTask;
    }

    /// <inheritdoc />
    public ValueTask<bool> VerifyAsync(int payloadBytes, ulong checksum) =>
        ValueTask.FromResult(_guests.Verify(payloadBytes, checksum));

    /// <inheritdoc />
    public ValueTask DisposeAsync()
    {
        Dispose();
        return ValueTask.CompletedTask;
    }

    private void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        foreach (Socket socket in _senders)
        {
            socket.Dispose(); // the receiving threads see the end of their stream and stop
        }

        foreach (Thread thread in _threads)
        {
            thread.Join(TimeSpan.FromSeconds(5));
        }

        foreach (Socket socket in _receivers)
        {
            socket.Dispose();
        }

        _listener.Dispose();
        File.Delete(_socketPath);
        _guests.Dispose();
    }

    private void Connect()
    {
        var endpoint = new UnixDomainSocketEndPoint(_socketPath);
        _listener.Bind(endpoint);
        _listener.Listen(Math.Max(16, Receivers));
        foreach (ConsumerGuest consumer in _guests.Consumers)
        {
            var sender = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            _senders.Add(sender);
            sender.Connect(endpoint);
            Socket receiver = _listener.Accept();
            _receivers.Add(receiver);
            var thread = new Thread(() => Serve(receiver, consumer))
            {
                IsBackground = true,
                Name = $"uds-json consumer {_receivers.Count}",
            };
            _threads.Add(thread);
            thread.Start();
        }
    }

    /// <summary>Sends one framed JSON body from the producer's memory, then reads the consumer's 4-byte answer.</summary>
    private static int SendAndAwaitAnswer(Socket socket, ProducerGuest producer, int address, int length)
    {
        Span<byte> header = stackalloc byte[sizeof(int)];
        BinaryPrimitives.WriteInt32LittleEndian(header, length);
        SendAll(socket, header);

        // No producer code runs while the gate is held, so the JSON stays where it is.
        SendAll(socket, producer.Memory.GetSpan(address, length));
        if (!ReceiveAll(socket, header))
        {
            throw new InvalidOperationException("The uds-json consumer closed its connection.");
        }

        int decoded = BinaryPrimitives.ReadInt32LittleEndian(header);
        return decoded >= 0 ? decoded : throw new InvalidOperationException($"The uds-json consumer refused the payload ({decoded}).");
    }

    /// <summary>A consumer host's loop: frame header, body straight into the guest's JSON buffer, decode, answer.</summary>
    private static void Serve(Socket socket, ConsumerGuest consumer)
    {
        Span<byte> header = stackalloc byte[sizeof(int)];
        try
        {
            while (ReceiveAll(socket, header))
            {
                int length = BinaryPrimitives.ReadInt32LittleEndian(header);
                int decoded;
                consumer.Gate.Wait();
                try
                {
                    int ptr = length >= 0 ? consumer.JsonBuffer(length) : 0;
                    if (ptr == 0)
                    {
                        return; // cannot take the body: drop the connection
                    }

                    // No guest code runs during the receive, so the memory cannot grow or move under the span.
                    if (!ReceiveAll(socket, consumer.Memory.GetSpan(ptr, length)))
                    {
                        return;
                    }

                    decoded = consumer.DecodeJson(length);
                }
                finally
                {
                    consumer.Gate.Release();
                }

                BinaryPrimitives.WriteInt32LittleEndian(header, decoded);
                SendAll(socket, header);
            }
        }
        catch (SocketException)
        {
            // The connection went away: the baseline is being disposed.
        }
        catch (ObjectDisposedException)
        {
            // Likewise.
        }
    }

    private static void SendAll(Socket socket, ReadOnlySpan<byte> data)
    {
        while (!data.IsEmpty)
        {
            data = data[socket.Send(data)..];
        }
    }

    private static bool ReceiveAll(Socket socket, Span<byte> data)
    {
        while (!data.IsEmpty)
        {
            int got = socket.Receive(data);
            if (got == 0)
            {
                return false;
            }

            data = data[got..];
        }

        return true;
    }
}
