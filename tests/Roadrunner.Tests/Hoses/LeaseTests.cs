using Roadrunner.Hoses;
using Roadrunner.Regions;
using Roadrunner.Tests.Support;

namespace Roadrunner.Tests.Hoses;

/// <summary>A lease holds the payload's regions until it is disposed.</summary>
public class LeaseTests : FolderTest
{
    [Test]
    public async Task DisposingALeaseReturnsItsBytes()
    {
        using RegionPool pool = CreatePool();
        await using var hose = new InProcessHose("h", pool);
        await hose.SendAsync(new byte[(2 * TestPool.Large) + 1], Ct);
        Assert.That(pool.LeasedBytes, Is.EqualTo((2L * TestPool.Large) + TestPool.Small));

        HoseLease lease = await hose.ReceiveAsync(Ct);
        Assert.That(pool.LeasedBytes, Is.EqualTo((2L * TestPool.Large) + TestPool.Small), "still held by the lease");

        lease.Dispose();
        Assert.That(pool.LeasedBytes, Is.Zero);
    }

    [Test]
    public async Task DisposingTwiceIsSafeAndReturnsTheBytesOnce()
    {
        using RegionPool pool = CreatePool();
        await using var hose = new InProcessHose("h", pool);
        await hose.SendAsync(new byte[10], Ct);
        await hose.SendAsync(new byte[20], Ct);
        HoseLease first = await hose.ReceiveAsync(Ct);
        using HoseLease second = await hose.ReceiveAsync(Ct);

        first.Dispose();
        Assert.That(() => first.Dispose(), Throws.Nothing);

        Assert.Multiple(() =>
        {
            Assert.That(pool.LeasedBytes, Is.EqualTo(TestPool.Small), "the second lease still holds its region");
            Assert.That(second.Length, Is.EqualTo(20));
        });
    }

    [Test]
    public async Task DisposedLeaseRefusesAccess()
    {
        using RegionPool pool = CreatePool();
        await using var hose = new InProcessHose("h", pool);
        await hose.SendAsync(new byte[10], Ct);
        HoseLease lease = await hose.ReceiveAsync(Ct);

        lease.Dispose();

        Assert.Multiple(() =>
        {
            Assert.That(() => lease.Length, Throws.TypeOf<ObjectDisposedException>());
            Assert.That(() => lease.Payload, Throws.TypeOf<ObjectDisposedException>());
        });
    }

    [Test]
    public async Task LeasesMayBeDisposedInAnyOrder()
    {
        using RegionPool pool = CreatePool();
        await using var hose = new InProcessHose("h", pool);
        var leases = new List<HoseLease>();
        for (int i = 0; i < 6; i++)
        {
            await hose.SendAsync(Payloads.Numbered(i, 100 + (i * 50_000)), Ct);
            leases.Add(await hose.ReceiveAsync(Ct));
        }

        foreach (int i in new[] { 3, 0, 5, 1, 4, 2 })
        {
            Assert.That(Payloads.NumberOf(leases[i].Bytes()), Is.EqualTo(i), "a lease's bytes stay intact while others are released");
            leases[i].Dispose();
        }

        Assert.That(pool.LeasedBytes, Is.Zero);
    }

    [Test]
    public async Task ZeroLengthLeaseIsSingleSegmentAndEmpty()
    {
        using RegionPool pool = CreatePool();
        await using var hose = new InProcessHose("h", pool);
        await hose.SendAsync(ReadOnlyMemory<byte>.Empty, Ct);

        using HoseLease lease = await hose.ReceiveAsync(Ct);

        Assert.Multiple(() =>
        {
            Assert.That(lease.Length, Is.Zero);
            Assert.That(lease.IsSingleSegment, Is.True);
            Assert.That(lease.Memory.IsEmpty, Is.True);
            Assert.That(pool.LeasedBytes, Is.Zero);
        });
    }
}
