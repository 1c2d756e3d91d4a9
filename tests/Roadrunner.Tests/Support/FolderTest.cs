using System.Buffers;
using Roadrunner.Hosting;
using Roadrunner.Regions;

namespace Roadrunner.Tests.Support;

/// <summary>
/// Base of every test that touches region files: a fresh pool folder per test (deleted afterwards) and helpers to
/// build pools and hosts in it. Fixtures deriving from it get a 30 s cancellation deadline; single waits are limited to 15 s.
/// </summary>
[CancelAfter(30_000)]
public abstract class FolderTest
{
    /// <summary>The longest any single wait in a test may take.</summary>
    protected static readonly TimeSpan WaitLimit = TimeSpan.FromSeconds(15);

    /// <summary>This test's private region folder (not created yet; pools create it).</summary>
    protected string Folder { get; private set; } = null!;

    /// <summary>Cancelled when the test runs over its deadline.</summary>
    protected static CancellationToken Ct => TestContext.CurrentContext.CancellationToken;

    private readonly List<IAsyncDisposable> _tracked = [];

    [SetUp]
    public void CreateFolder() => Folder = TestPool.NewFolder();

    [TearDown]
    public async Task DisposeTrackedAndDeleteFolder()
    {
        for (int i = _tracked.Count - 1; i >= 0; i--)
        {
            await _tracked[i].DisposeAsync();
        }

        _tracked.Clear();
        TestPool.Delete(Folder);
    }

    /// <summary>Disposes <paramref name="disposable"/> when the test ends (for objects a test cannot scope).</summary>
    protected T Track<T>(T disposable)
        where T : IAsyncDisposable
    {
        _tracked.Add(disposable);
        return disposable;
    }

    /// <summary>A small pool (64 KiB and 1 MiB classes) in this test's folder.</summary>
    protected RegionPool CreatePool(long maxLeased = 16L * 1024 * 1024, long maxIdlePerClass = 4L * 1024 * 1024) =>
        TestPool.Create(Folder, maxLeased, maxIdlePerClass);

    /// <summary>A host whose pool lives in this test's folder, with small size classes.</summary>
    protected FunctionHost CreateHost(Action<FunctionHostOptions>? configure = null, Microsoft.Extensions.Logging.ILoggerFactory? loggerFactory = null)
    {
        var options = new FunctionHostOptions
        {
            Regions =
            {
                FolderPath = Folder,
                SizeClasses = [TestPool.Small, TestPool.Large],
                MaxLeasedBytes = 256L * 1024 * 1024,
                MaxIdleBytesPerClass = 4L * 1024 * 1024,
            },
        };
        configure?.Invoke(options);
        return new FunctionHost(options, loggerFactory: loggerFactory);
    }

    /// <summary>Region files currently in this test's folder.</summary>
    protected string[] RegionFiles() =>
        Directory.Exists(Folder) ? Directory.GetFiles(Folder, "rr-*.region") : [];

    /// <summary>Receives the next payload, copies it out and disposes the lease.</summary>
    protected static async Task<byte[]> ReceiveBytesAsync(IHoseReceiver receiver)
    {
        using HoseLease lease = await receiver.ReceiveAsync(Ct).AsTask().WaitAsync(WaitLimit, Ct);
        return lease.Payload.ToArray();
    }

    /// <summary>Waits for a task with the test's limit, so a hang fails the test instead of the run.</summary>
    protected static Task<T> Within<T>(Task<T> task) => task.WaitAsync(WaitLimit, Ct);

    /// <inheritdoc cref="Within{T}(Task{T})"/>
    protected static Task Within(Task task) => task.WaitAsync(WaitLimit, Ct);
}
