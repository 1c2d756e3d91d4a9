using Roadrunner.Hoses;
using Roadrunner.Regions;
using Roadrunner.Tests.Support;

namespace Roadrunner.Tests.Hoses;

/// <summary>A fan-out delivers every payload to every receiver, copying it into regions once.</summary>
public class FanOutSenderTests : FolderTest
{
    [TestCase(3)]
    [TestCase(10)]
    public async Task EveryReceiverGetsEveryPayloadInOrder(int receivers)
    {
        const int messages = 60;
        using RegionPool pool = CreatePool(maxLeased: 64L * 1024 * 1024);
        InProcessHose[] targets = [.. Enumerable.Range(0, receivers).Select(r => Track(new InProcessHose($"r{r}", pool)))];
        var fanOut = new FanOutSender("all", targets);
        var sizes = new Random(receivers);
        int[] lengths = [.. Enumerable.Range(0, messages).Select(_ => sizes.Next(4, 200_000))];

        long footprints = 0;
        for (int i = 0; i < messages; i++)
        {
            Assert.That(fanOut.TrySend(Payloads.Numbered(i, lengths[i])), Is.EqualTo(HoseStatus.Ok));
            footprints += pool.FootprintOf(Math.Max(4, lengths[i]));
        }

        Assert.That(pool.LeasedBytes, Is.EqualTo(footprints), "each payload is charged once, not once per receiver");

        var leases = new List<HoseLease>();
        foreach (InProcessHose target in targets)
        {
            for (int i = 0; i < messages; i++)
            {
                HoseLease lease = await target.ReceiveAsync(Ct);
                Assert.That(Payloads.Diff(lease.Bytes(), Payloads.Numbered(i, lengths[i])), Is.Empty, $"{target.Name}, message {i}");
                leases.Add(lease);
            }
        }

        Assert.That(pool.LeasedBytes, Is.EqualTo(footprints), "shared regions stay leased while any receiver holds them");
        leases.ForEach(l => l.Dispose());
        Assert.That(pool.LeasedBytes, Is.Zero);
    }

    [Test]
    public async Task SharedPayloadIsReturnedOnlyWhenTheLastReceiverDisposes()
    {
        using RegionPool pool = CreatePool();
        InProcessHose[] targets = [.. Enumerable.Range(0, 3).Select(r => Track(new InProcessHose($"r{r}", pool)))];
        var fanOut = new FanOutSender("all", targets);
        byte[] payload = Payloads.Random(70_000, 1);

        Assert.That(fanOut.TrySend(payload), Is.EqualTo(HoseStatus.Ok));
        HoseLease[] leases = [.. await Task.WhenAll(targets.Select(t => t.ReceiveAsync(Ct).AsTask()))];

        Assert.That(leases.Select(l => Payloads.Diff(l.Bytes(), payload)), Is.All.Empty);
        leases[0].Dispose();
        leases[2].Dispose();
        Assert.That(pool.LeasedBytes, Is.EqualTo(TestPool.Large));
        Assert.That(Payloads.Diff(leases[1].Bytes(), payload), Is.Empty, "the remaining receiver's bytes are untouched");
        leases[1].Dispose();
        Assert.That(pool.LeasedBytes, Is.Zero);
    }

    [Test]
    public async Task SendAsyncReachesEveryReceiverAndWaitsForRoom()
    {
        using RegionPool pool = CreatePool();
        InProcessHose[] targets = [.. Enumerable.Range(0, 3).Select(r => Track(new InProcessHose($"r{r}", pool, new HoseOptions { MaxQueuedPayloads = 1 })))];
        var fanOut = new FanOutSender("all", targets);
        await fanOut.SendAsync(new byte[] { 1 }, Ct);

        Task second = fanOut.SendAsync(new byte[] { 2 }, Ct).AsTask();
        Assert.That(second.IsCompleted, Is.False);
        foreach (InProcessHose target in targets)
        {
            Assert.That(await ReceiveBytesAsync(target), Is.EqualTo(new byte[] { 1 }));
        }

        await Within(second);
        foreach (InProcessHose target in targets)
        {
            Assert.That(await ReceiveBytesAsync(target), Is.EqualTo(new byte[] { 2 }));
        }

        Assert.That(pool.LeasedBytes, Is.Zero);
    }

    [Test]
    public void TrySendWouldBlockWhenAReceiverIsFull()
    {
        using RegionPool pool = CreatePool();
        var open = Track(new InProcessHose("open", pool));
        var full = Track(new InProcessHose("full", pool, new HoseOptions { MaxQueuedPayloads = 1 }));
        Assert.That(full.TrySend([0]), Is.EqualTo(HoseStatus.Ok));
        var fanOut = new FanOutSender("all", [open, full]);

        Assert.That(fanOut.TrySend([1]), Is.EqualTo(HoseStatus.WouldBlock));
        Assert.That(fanOut.Send([1], TimeSpan.FromMilliseconds(30)), Is.EqualTo(HoseStatus.TimedOut));
        Assert.That(open.QueuedCount, Is.Zero, "'not sent' is true for every target: the open one did not get it either");
    }

    [Test]
    public async Task CompleteClosesEveryReceiver()
    {
        using RegionPool pool = CreatePool();
        InProcessHose[] targets = [.. Enumerable.Range(0, 3).Select(r => Track(new InProcessHose($"r{r}", pool)))];
        var fanOut = new FanOutSender("all", targets);
        Assert.That(fanOut.TrySend([5]), Is.EqualTo(HoseStatus.Ok));

        fanOut.Complete();

        Assert.That(fanOut.TrySend([6]), Is.EqualTo(HoseStatus.Closed));
        foreach (InProcessHose target in targets)
        {
            Assert.That(await ReceiveBytesAsync(target), Is.EqualTo(new byte[] { 5 }));
            Assert.That(async () => await target.ReceiveAsync(Ct), Throws.TypeOf<HoseException>().With.Property(nameof(HoseException.Status)).EqualTo(HoseStatus.Closed));
        }
    }

    [Test]
    public void ClaimIsNotSupportedAndBadSetupsThrow()
    {
        using RegionPool pool = CreatePool();
        using RegionPool other = TestPool.Create(Folder);
        var a = Track(new InProcessHose("a", pool));
        var b = Track(new InProcessHose("b", other));

        Assert.Multiple(() =>
        {
            Assert.That(() => new FanOutSender("all", [a]).ClaimAsync(1), Throws.TypeOf<NotSupportedException>());
            Assert.That(() => new FanOutSender("all", []), Throws.ArgumentException);
            Assert.That(() => new FanOutSender("all", [a, b]), Throws.ArgumentException);
            Assert.That(() => new FanOutSender("", [a]), Throws.ArgumentException);
        });
    }

    [Test]
    public async Task SendsCancelledAtRandomReachNoReceiverAndSentOnesReachEvery()
    {
        using RegionPool pool = CreatePool();
        InProcessHose[] targets = [.. Enumerable.Range(0, 3).Select(r => Track(new InProcessHose($"r{r}", pool, new HoseOptions { MaxQueuedPayloads = 2 })))];
        var fanOut = new FanOutSender("all", targets);
        Task<List<int>>[] readers = [.. targets.Select(t => ReadUntilAsync(t, -1))];
        var sent = new List<int>();
        int notSent = 0;
        var random = new Random(3);
        for (int id = 0; id < 300; id++)
        {
            using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(random.Next(0, 3)));
            try
            {
                await fanOut.SendAsync(BitConverter.GetBytes(id), cancel.Token);
                sent.Add(id);
            }
            catch (OperationCanceledException)
            {
                notSent++;
            }
        }

        await Within(fanOut.SendAsync(BitConverter.GetBytes(-1), Ct).AsTask());
        Assert.That(notSent, Is.Positive, "the tokens did end waits");
        foreach (Task<List<int>> reader in readers)
        {
            Assert.That(await Within(reader), Is.EqualTo(sent), "every payload reported sent, in order, and none reported cancelled");
        }

        Assert.That(pool.LeasedBytes, Is.Zero);
    }

    [Test]
    public void PayloadOverAReceiversLimitIsTooLarge()
    {
        using RegionPool pool = CreatePool();
        var a = Track(new InProcessHose("a", pool));
        var fanOut = new FanOutSender("all", [a, new InProcessHose("b", pool, new HoseOptions { MaxPayloadBytes = 10 })]);

        Assert.That(fanOut.TrySend(new byte[11]), Is.EqualTo(HoseStatus.TooLarge));
        Assert.That(a.QueuedCount, Is.Zero, "refused before any target got it");
        Assert.That(fanOut.TrySend(new byte[10]), Is.EqualTo(HoseStatus.Ok));
    }

    /// <summary>The numbers (first four bytes) of the payloads <paramref name="hose"/> receives before <paramref name="stop"/>.</summary>
    private static async Task<List<int>> ReadUntilAsync(InProcessHose hose, int stop)
    {
        var numbers = new List<int>();
        while (true)
        {
            using HoseLease lease = await hose.ReceiveAsync(Ct);
            int number = BitConverter.ToInt32(lease.Bytes());
            if (number == stop)
            {
                return numbers;
            }

            numbers.Add(number);
        }
    }
}
