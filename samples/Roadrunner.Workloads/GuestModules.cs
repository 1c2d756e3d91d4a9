namespace Roadrunner.Workloads;

/// <summary>
/// Locates the example C guests (<c>producer</c>, <c>consumer</c>, <c>echo</c>) that are built by
/// <c>guest/c/build.sh</c>, committed next to their sources, and copied by this project into the
/// <c>guests/</c> folder of the output directory.
/// </summary>
public static class GuestModules
{
    /// <summary>The name of the folder, under <see cref="AppContext.BaseDirectory"/>, that holds the guests.</summary>
    public const string FolderName = "guests";

    /// <summary>The producer guest: <c>fill</c>, <c>produce</c>, <c>encode_json</c>, ...</summary>
    public const string Producer = "producer";

    /// <summary>The consumer guest: a push receiver with pull and JSON helpers.</summary>
    public const string Consumer = "consumer";

    /// <summary>The echo guest: a pull function that forwards each payload to <c>sink</c>.</summary>
    public const string Echo = "echo";

    /// <summary>The zero-copy sender (guest ABI version 2, WebAssembly text): <c>claim</c>, <c>fill</c>, <c>commit</c> on one window.</summary>
    public const string ZeroCopyProducer = "zc-producer";

    /// <summary>The zero-copy push receiver (guest ABI version 2, WebAssembly text): exports <c>rr_alloc_window</c>.</summary>
    public const string ZeroCopyConsumer = "zc-consumer";

    /// <summary>The folder that holds the guests' <c>.wasm</c> (and <c>.wat</c>) files.</summary>
    public static string FolderPath { get; } = Path.Combine(AppContext.BaseDirectory, FolderName);

    /// <summary>
    /// The full path of a guest's <c>.wasm</c> file, e.g. <c>PathOf("producer")</c>, or of its <c>.wat</c> file when it
    /// has no <c>.wasm</c> (the zero-copy guests are text).
    /// </summary>
    /// <param name="name">The guest's name without extension (see <see cref="Producer"/>,
    /// <see cref="Consumer"/>, <see cref="Echo"/>).</param>
    /// <returns>The full path of the file.</returns>
    /// <exception cref="ArgumentException"><paramref name="name"/> is empty or contains a path separator.</exception>
    /// <exception cref="FileNotFoundException">The file is not in the output folder.</exception>
    public static string PathOf(string name)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        if (name.IndexOfAny([Path.DirectorySeparatorChar, Path.AltDirectorySeparatorChar]) >= 0)
        {
            throw new ArgumentException("A guest name is a bare file name without extension.", nameof(name));
        }

        string path = Path.Combine(FolderPath, name + ".wasm");
        string text = Path.Combine(FolderPath, name + ".wat");
        if (!File.Exists(path) && File.Exists(text))
        {
            return text;
        }

        if (!File.Exists(path))
        {
            throw new FileNotFoundException(
                $"Guest module '{name}' was not found at '{path}'. It is copied there by the " +
                "Roadrunner.Workloads project from guest/c/examples/ (run guest/c/build.sh to rebuild it).",
                path);
        }

        return path;
    }
}
