using System.Collections.Concurrent;
using System.Text;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Roadrunner.Extensions.Hosting;
using Roadrunner.Tests.Support;

namespace Roadrunner.Tests.Extensions.Hosting;

/// <summary>
/// Builds generic hosts from JSON configuration (as appsettings.json would give it) with the region folder of the
/// test, and records every log entry.
/// </summary>
public abstract class HostedNodeTest : FolderTest
{
    /// <summary>Every log entry written so far.</summary>
    protected ConcurrentQueue<LogEntry> Logs => _recorder.Entries;

    private LogRecorder _recorder = new();

    [SetUp]
    public void ClearLogs() => _recorder = new();

    [TearDown]
    public void DeleteModules()
    {
        _recorder.Dispose();
        if (Directory.Exists(ModuleFolder))
        {
            Directory.Delete(ModuleFolder, recursive: true);
        }
    }

    /// <summary>Where <see cref="WriteModule"/> puts module files (deleted after the test).</summary>
    protected string ModuleFolder => Folder + "-modules";

    /// <summary>Writes a WAT module to a file of its own and returns the path.</summary>
    protected string WriteModule(string name, string wat)
    {
        Directory.CreateDirectory(ModuleFolder);
        string path = Path.Combine(ModuleFolder, name + ".wat");
        File.WriteAllText(path, wat);
        return path;
    }

    /// <summary>A host configured by <paramref name="json"/> (the whole appsettings document); the region folder is the test's.</summary>
    protected IHost BuildHost(string json, Action<IHostApplicationBuilder>? configure = null)
    {
        HostApplicationBuilder builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings { ContentRootPath = AppContext.BaseDirectory });
        builder.Configuration.AddJsonStream(new MemoryStream(Encoding.UTF8.GetBytes(json)));
        builder.Configuration.AddInMemoryCollection([new("Roadrunner:Host:Regions:FolderPath", Folder)]);
        builder.Logging.AddProvider(_recorder);
        builder.Services.AddRoadrunner(builder.Configuration);
        configure?.Invoke(builder);
        return builder.Build();
    }

    /// <summary>The files left in the test's region folder (none once a node stopped cleanly).</summary>
    protected string[] FilesLeft() => Directory.Exists(Folder) ? Directory.GetFiles(Folder, "*", SearchOption.AllDirectories) : [];

    /// <summary>Paths of the committed C guests, as JSON string literals.</summary>
    protected static string Json(string path) => System.Text.Json.JsonSerializer.Serialize(path);
}
