using Roadrunner.Regions;

namespace Roadrunner.Hoses.SharedMemory;

/// <summary>
/// A read-only mapping of a sending guest's memory file (lent through <see cref="IMemoryLender"/>): the receiver copies borrowed
/// payloads out of it and can never write into the sender's guest. Mapped once per size the memory had, so the page
/// tables stay warm across payloads. The file stays open (read-only) so that a receiver that takes payloads mapped can
/// map a borrowed range copy-on-write instead of copying it.
/// </summary>
internal sealed unsafe class PeerMemoryView : IDisposable
{
    private readonly FileStream _file;
    private byte* _start;

    private PeerMemoryView(byte* start, long length, FileStream file)
    {
        _start = start;
        Length = length;
        _file = file;
    }

    /// <summary>Mapped bytes.</summary>
    public long Length { get; }

    /// <summary>The memory file, open read-only (a private mapping of it can never write into the sender).</summary>
    public System.Runtime.InteropServices.SafeHandle File => _file.SafeFileHandle;

    /// <summary>
    /// Maps the first <paramref name="length"/> bytes of the file at <paramref name="path"/>; refuses symlinks, files of
    /// other users and files shorter than announced.
    /// </summary>
    public static PeerMemoryView Open(string path, long length)
    {
        if (!UnixFileStatus.TryRead(path, out UnixFileStatus status))
        {
            throw new FileNotFoundException("The guest memory file does not exist.", path);
        }

        if (status.IsSymlink || !status.IsRegularFile || status.OwnerId != UnixFileStatus.CurrentUserId)
        {
            throw new IOException($"'{path}' is not a regular file owned by this user (symlinks are refused).");
        }

        var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        try
        {
            if (stream.Length < length)
            {
                throw new IOException($"'{path}' holds {stream.Length} bytes, fewer than the {length} announced.");
            }

            return new PeerMemoryView(MemoryMapping.MapFile((nuint)length, MemoryMapping.ProtectRead, stream.SafeFileHandle), length, stream);
        }
        catch
        {
            stream.Dispose();
            throw;
        }
    }

    /// <summary><paramref name="length"/> bytes at <paramref name="offset"/> (the descriptor was validated against <see cref="Length"/>).</summary>
    public ReadOnlySpan<byte> Slice(long offset, int length) =>
        offset >= 0 && length >= 0 && offset + length <= Length
            ? new ReadOnlySpan<byte>(_start + offset, length)
            : throw new ArgumentOutOfRangeException(nameof(offset), $"[{offset}, {offset + length}) is outside a view of {Length} bytes.");

    /// <inheritdoc />
    public void Dispose()
    {
        if (_start != null)
        {
            MemoryMapping.Unmap(_start, (nuint)Length);
            _start = null;
            _file.Dispose();
        }
    }
}
