using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Roadrunner.Regions;

namespace Roadrunner.Hoses.SharedMemory;

/// <summary>
/// The per-user folder where hosts on one node find each other. Each endpoint (tag <c>&lt;pid&gt;-&lt;16 hex&gt;</c>, the
/// same as its region pool's) keeps there:
/// <list type="bullet">
/// <item><c>ep-&lt;tag&gt;.names</c>: its identity and the functions it serves (text, replaced atomically);</item>
/// <item><c>ep-&lt;tag&gt;.bell</c>: a page whose first word senders bump (and futex-wake) after creating a ring;</item>
/// <item><c>ch-&lt;receiver tag&gt;-&lt;sender tag&gt;-&lt;n&gt;.ring</c>: one control file per hose, created by the sender;</item>
/// <item><c>rr-&lt;tag&gt;-&lt;n&gt;.region</c> and <c>rr-&lt;tag&gt;.lock</c>: its sending pool's regions.</item>
/// </list>
/// Everything is 0600 in a 0700 folder owned by this user; files that are symlinks or belong to others are ignored.
/// </summary>
internal static partial class RendezvousFolder
{
    public const string NamesHeader = "roadrunner-endpoint 1";
    private const int MaxNamesFileBytes = 1 << 20;

    /// <summary>An endpoint announced in the folder.</summary>
    public sealed record Announcement(string Tag, PeerIdentity Identity, IReadOnlySet<string> Names);

    public static string NamesPath(string folder, string tag) => Path.Combine(folder, $"ep-{tag}.names");

    public static string BellPath(string folder, string tag) => Path.Combine(folder, $"ep-{tag}.bell");

    public static string RingPath(string folder, string receiverTag, string senderTag, long number) =>
        Path.Combine(folder, string.Create(CultureInfo.InvariantCulture, $"ch-{receiverTag}-{senderTag}-{number}.ring"));

    public static string RegionPath(string folder, string tag, long number) =>
        Path.Combine(folder, string.Create(CultureInfo.InvariantCulture, $"rr-{tag}-{number}.region"));

    /// <summary>The number in a region path (<c>rr-&lt;tag&gt;-&lt;n&gt;.region</c>), which peers rebuild the path from.</summary>
    public static long RegionNumberOf(string path)
    {
        ReadOnlySpan<char> name = Path.GetFileNameWithoutExtension(path.AsSpan()); // spans: no allocation per send
        return long.Parse(name[(name.LastIndexOf('-') + 1)..], NumberStyles.None, CultureInfo.InvariantCulture);
    }

    /// <summary>True for a well-formed tag (so a tag read from shared memory can never build a path elsewhere).</summary>
    public static bool IsTag(string tag) => TagPattern().IsMatch(tag);

    /// <summary>The pid part of a tag.</summary>
    public static int PidOf(string tag) => int.Parse(tag.AsSpan(0, tag.IndexOf('-', StringComparison.Ordinal)), NumberStyles.None, CultureInfo.InvariantCulture);

    /// <summary>Writes (replaces) the endpoint's announcement: identity, then one served name a line.</summary>
    public static void Announce(string folder, string tag, PeerIdentity identity, IEnumerable<string> names)
    {
        var text = new StringBuilder();
        text.Append(NamesHeader).Append('\n')
            .Append(identity.ProcessId.ToString(CultureInfo.InvariantCulture)).Append('\n')
            .Append(identity.StartTime.ToString(CultureInfo.InvariantCulture)).Append('\n');
        foreach (string name in names)
        {
            text.Append(name).Append('\n');
        }

        string temporary = Path.Combine(folder, $"ep-{tag}.{Guid.NewGuid():N}.tmp");
        using (FileStream stream = RegionFolder.CreatePrivateFile(temporary, FileShare.None))
        {
            stream.Write(Encoding.UTF8.GetBytes(text.ToString()));
        }

        File.Move(temporary, NamesPath(folder, tag), overwrite: true);
    }

    /// <summary>Every announcement of a live endpoint other than <paramref name="exceptTag"/>.</summary>
    public static List<Announcement> ReadAll(string folder, string exceptTag)
    {
        var found = new List<Announcement>();
        foreach (string path in Directory.EnumerateFiles(folder, "ep-*.names"))
        {
            string tag = Path.GetFileName(path)[3..^6];
            if (tag == exceptTag || !IsTag(tag) || !IsTrustedFile(path))
            {
                continue;
            }

            Announcement? announcement = TryParse(path, tag);
            if (announcement is not null && announcement.Identity.IsAlive())
            {
                found.Add(announcement);
            }
        }

        return found;
    }

    /// <summary>A regular file (not a symlink) owned by this user.</summary>
    public static bool IsTrustedFile(string path)
    {
        if (!OperatingSystem.IsLinux())
        {
            return File.Exists(path);
        }

        return UnixFileStatus.TryRead(path, out UnixFileStatus status) && status.IsRegularFile && !status.IsSymlink && status.OwnerId == UnixFileStatus.CurrentUserId;
    }

    /// <summary>
    /// Removes every file of endpoints whose process is gone (announcement, bell, rings they send or receive on,
    /// regions, pool lock). Returns how many files were deleted.
    /// </summary>
    public static int SweepDead(string folder)
    {
        var tags = new HashSet<string>(StringComparer.Ordinal);
        foreach (string path in Directory.EnumerateFiles(folder, "ep-*.names").Concat(Directory.EnumerateFiles(folder, "rr-*.lock")))
        {
            string name = Path.GetFileName(path);
            string tag = name.StartsWith("ep-", StringComparison.Ordinal) ? name[3..^6] : name[3..^5];
            if (IsTag(tag))
            {
                tags.Add(tag);
            }
        }

        foreach (string path in Directory.EnumerateFiles(folder, "ch-*.ring"))
        {
            Match match = RingPattern().Match(Path.GetFileName(path));
            if (match.Success)
            {
                tags.Add(match.Groups[1].Value);
                tags.Add(match.Groups[2].Value);
            }
        }

        int removed = 0;
        foreach (string tag in tags)
        {
            if (new PeerIdentity(PidOf(tag), 0).IsAlive())
            {
                continue;
            }

            foreach (string pattern in (string[])[$"ep-{tag}.*", $"rr-{tag}.lock", $"rr-{tag}-*.region", $"ch-*{tag}*.ring"])
            {
                foreach (string stale in Directory.EnumerateFiles(folder, pattern))
                {
                    removed += TryDelete(stale) ? 1 : 0;
                }
            }
        }

        return removed;
    }

    /// <summary>Parses a ring file name into (receiver tag, sender tag, number).</summary>
    public static bool TryParseRingName(string fileName, out string receiverTag, out string senderTag)
    {
        Match match = RingPattern().Match(fileName);
        receiverTag = match.Success ? match.Groups[1].Value : string.Empty;
        senderTag = match.Success ? match.Groups[2].Value : string.Empty;
        return match.Success;
    }

    /// <summary>Deletes a file if it can; a file that is gone or locked is left to the next sweep.</summary>
    public static bool TryDelete(string path) => RegionFolder.TryDelete(path);

    private static Announcement? TryParse(string path, string tag)
    {
        string text;
        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            if (stream.Length > MaxNamesFileBytes)
            {
                return null;
            }

            using var reader = new StreamReader(stream, Encoding.UTF8);
            text = reader.ReadToEnd();
        }
        catch (IOException)
        {
            return null; // replaced or removed meanwhile
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }

        string[] lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        if (lines.Length < 3 || lines[0] != NamesHeader ||
            !int.TryParse(lines[1], NumberStyles.None, CultureInfo.InvariantCulture, out int pid) ||
            !long.TryParse(lines[2], NumberStyles.None, CultureInfo.InvariantCulture, out long start) ||
            pid != PidOf(tag))
        {
            return null;
        }

        return new Announcement(tag, new PeerIdentity(pid, start), lines[3..].ToHashSet(StringComparer.Ordinal));
    }

    [GeneratedRegex("^[0-9]{1,10}-[0-9a-f]{16}$")]
    private static partial Regex TagPattern();

    [GeneratedRegex("^ch-([0-9]{1,10}-[0-9a-f]{16})-([0-9]{1,10}-[0-9a-f]{16})-[0-9]{1,19}\\.ring$")]
    private static partial Regex RingPattern();
}
