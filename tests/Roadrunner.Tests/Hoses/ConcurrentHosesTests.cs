using Roadrunner.Hoses;
using Roadrunner.Regions;
using Roadrunner.Tests.Support;

namespace Roadrunner.Tests.Hoses;

/// <summary>Many hoses sharing one pool keep each stream ordered and intact.</summary>
public class ConcurrentHosesTests : FolderTest
{
    [Test]
    public async Task EightHosesWithTwoHundredMessagesEachStayOrderedAndIntact()
    {
        const int hoses = 8;
        const int messages = 200;
        using RegionPool pool = CreatePool(maxLeased: 8L * TestPool.Large, maxIdlePerClass: 8L * TestPool.Large);
        InProcessHose[] all = [.. Enumerable.Range(0, hoses).Select(h => Track(new InProcessHose($"h{h}", pool, new HoseOptions { MaxQueuedPayloads = 16 })))];

        IEnumerable<Task> work = all.SelectMany((hose, h) => new[]
        {
            Task.Run(async () =>
            {
                var sizes = new Random(h);
                for (int i = 0; i < messages; i++)
                {
                    await hose.SendAsync(Payloads.Numbered((h * 10_000) + i, sizes.Next(4, 100_000)), Ct);
                }

                hose.Complete();
            }),
            Task.Run(async () =>
            {
                var sizes = new Random(h);
                for (int i = 0; i < messages; i++)
                {
                    using HoseLease lease = await hose.ReceiveAsync(Ct);
                    byte[] expected = Payloads.Numbered((h * 10_000) + i, sizes.Next(4, 100_000));
                    Assert.That(Payloads.Diff(lease.Bytes(), expected), Is.Empty, $"hose {h}, message {i}");
                }

                Assert.That(async () => await hose.ReceiveAsync(Ct), Throws.TypeOf<HoseException>());
            }),
        });

        await Within(Task.WhenAll(work));

        Assert.That(pool.LeasedBytes, Is.Zero);
        foreach (InProcessHose hose in all)
        {
            await hose.DisposeAsync();
        }
    }

    [Test]
    public async Task ManySendersOnOneHoseLoseNothing()
    {
        const int senders = 4;
        const int messages = 250;
        using RegionPool pool = CreatePool();
        await using var hose = new InProcessHose("h", pool, new HoseOptions { MaxQueuedPayloads = 8 });

        Task[] sending = [.. Enumerable.Range(0, senders).Select(s => Task.Run(async () =>
        {
            for (int i = 0; i < messages; i++)
            {
                await hose.SendAsync(Payloads.Numbered((s * 1000) + i, 64), Ct);
            }
        }))];
        var lastSeen = Enumerable.Repeat(-1, senders).ToArray();
        for (int n = 0; n < senders * messages; n++)
        {
            using HoseLease lease = await hose.ReceiveAsync(Ct);
            int number = Payloads.NumberOf(lease.Memory.Span);
            int sender = number / 1000;
            Assert.That(number % 1000, Is.EqualTo(lastSeen[sender] + 1), "each sender's payloads stay in its order");
            lastSeen[sender] = number % 1000;
        }

        await Within(Task.WhenAll(sending));
        Assert.Multiple(() =>
        {
            Assert.That(lastSeen, Is.All.EqualTo(messages - 1));
            Assert.That(pool.LeasedBytes, Is.Zero);
        });
    }
}
