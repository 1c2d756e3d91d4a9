using Roadrunner.Hosting;
using Roadrunner.Tests.Support;

namespace Roadrunner.Tests.Hoses.SharedMemory;

/// <summary>Base of the shared-memory fixtures: a fresh rendezvous folder per test, deleted afterwards.</summary>
public abstract class SharedMemoryTest
{
    /// <summary>This test's rendezvous folder (not created yet: endpoints create it).</summary>
    protected string Folder { get; private set; } = null!;

    /// <summary>What hosts made with <see cref="NewHost"/> logged in this test.</summary>
    protected LogRecorder Logs { get; private set; } = null!;

    [SetUp]
    public void CreateFolder()
    {
        Folder = ShmSupport.NewFolder();
        Logs = new LogRecorder();
    }

    /// <summary>A host whose pool is in this test's folder and which logs into <see cref="Logs"/>.</summary>
    protected FunctionHost NewHost() => ShmSupport.NewHost(Folder, Logs);

    [TearDown]
    public void DeleteFolder()
    {
        ShmSupport.Delete(Folder);
        Logs.Dispose();
    }

    /// <summary>The endpoint tag of the child process <paramref name="pid"/>, read from its announcement.</summary>
    protected string ChildTag(int pid) => Path.GetFileName(Directory.EnumerateFiles(Folder, $"ep-{pid}-*.names").Single())[3..^6];
}
