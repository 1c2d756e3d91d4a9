using System.Buffers;
using System.IO.MemoryMappedFiles;

namespace Roadrunner.Regions;

/// <summary>
/// One memory-mapped file of a fixed size, mapped read-write for the pool's lifetime and reused across payloads.
/// The file lives as long as the region: disposing unmaps it and deletes the file. Pages are reserved
/// (<see cref="Reserve"/>) before they are touched, so a full folder is an error, never a SIGBUS.
/// </summary>
internal sealed unsafe class MappedRegion : MemoryManager<byte>
{
    private readonly FileStream _stream;
    private readonly MemoryMappedFile _file;
    private readonly MemoryMappedViewAccessor _view;
    private readonly bool _ownsFile;
    private byte* _pointer;
    private int _reserved;

    private MappedRegion(string path, int length, FileStream stream, MemoryMappedFile file, MemoryMappedViewAccessor view, byte* pointer, bool ownsFile)
    {
        _ownsFile = ownsFile;
        _stream = stream;
        Path = path;
        Length = length;
        _file = file;
        _view = view;
        _pointer = pointer;
    }

    /// <summary>Raised once, after the region is unmapped and its file deleted.</summary>
    public event Action? Disposed;

    /// <summary>Full path of the backing file (what another process would map).</summary>
    public string Path { get; }

    /// <summary>Usable bytes.</summary>
    public int Length { get; }

    /// <summary>
    /// Whose bytes the region may still hold: 0 none (a new file reads as zeros), a guest's window owner id when only
    /// that guest wrote it (its zero-copy claims), <see cref="AnyWriter"/> otherwise. A guest's claim maps the region
    /// into the guest, so it must never show another function's bytes (<see cref="RegionPool"/> clears them first).
    /// </summary>
    public long Writer { get; set; }

    /// <summary><see cref="Writer"/> of a region written by anyone but one guest's claims.</summary>
    public const long AnyWriter = -1;

    /// <summary>Start of the mapping in this process.</summary>
    public byte* Pointer => _pointer != null ? _pointer : throw new ObjectDisposedException(nameof(MappedRegion));

    /// <summary>The open file (for <c>sendfile</c>; valid as long as the region, even once the name is gone).</summary>
    public FileStream File => _pointer != null ? _stream : throw new ObjectDisposedException(nameof(MappedRegion));

    /// <summary>
    /// Creates the file (mode 0600, must not exist yet), sizes it and maps it. With <paramref name="reserveAll"/> every
    /// page is reserved now (control files, written whole); without, a user reserves what it uses through <see cref="Reserve"/>.
    /// </summary>
    /// <exception cref="RegionFolderFullException">The folder has no room for the reserved pages (the file is deleted).</exception>
    public static MappedRegion Create(string path, int length, bool reserveAll = true)
    {
        FileStream stream = RegionFolder.CreatePrivateFile(path, FileShare.ReadWrite);
        MemoryMappedFile? file = null;
        MemoryMappedViewAccessor? view = null;
        try
        {
            if (reserveAll)
            {
                try
                {
                    FileSpace.Reserve(stream.SafeFileHandle, path, 0, length);
                }
                catch (RegionFolderFullException e)
                {
                    e.Count(); // a ring or bell file (pool regions reserve, and count, per payload)
                    throw;
                }
            }

            stream.SetLength(length);
            file = MemoryMappedFile.CreateFromFile(stream, null, length, MemoryMappedFileAccess.ReadWrite, HandleInheritability.None, leaveOpen: true);
            view = file.CreateViewAccessor(0, length, MemoryMappedFileAccess.ReadWrite);
            byte* pointer = null;
            view.SafeMemoryMappedViewHandle.AcquirePointer(ref pointer);
            return new MappedRegion(path, length, stream, file, view, pointer + view.PointerOffset, ownsFile: true) { _reserved = reserveAll ? length : 0 };
        }
        catch
        {
            view?.Dispose();
            file?.Dispose();
            stream.Dispose();
            RegionFolder.TryDelete(path);
            throw;
        }
    }

    /// <summary>
    /// Maps an existing file created by another process (a peer's region or control file) without taking it over:
    /// disposing only unmaps. Refuses symlinks, non-regular files, files of other users and files whose size is not
    /// exactly <paramref name="length"/>.
    /// </summary>
    public static MappedRegion OpenExisting(string path, int length)
    {
        if (!UnixFileStatus.TryRead(path, out UnixFileStatus status) && OperatingSystem.IsLinux())
        {
            throw new FileNotFoundException("The shared file does not exist.", path);
        }

        if (OperatingSystem.IsLinux() && (status.IsSymlink || !status.IsRegularFile || status.OwnerId != UnixFileStatus.CurrentUserId))
        {
            throw new IOException($"'{path}' is not a regular file owned by this user (symlinks are refused).");
        }

        var stream = new FileStream(path, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite | FileShare.Delete);
        MemoryMappedFile? file = null;
        MemoryMappedViewAccessor? view = null;
        try
        {
            if (stream.Length != length)
            {
                throw new IOException($"'{path}' holds {stream.Length} bytes, not the {length} announced.");
            }

            file = MemoryMappedFile.CreateFromFile(stream, null, length, MemoryMappedFileAccess.ReadWrite, HandleInheritability.None, leaveOpen: true);
            view = file.CreateViewAccessor(0, length, MemoryMappedFileAccess.ReadWrite);
            byte* pointer = null;
            view.SafeMemoryMappedViewHandle.AcquirePointer(ref pointer);
            return new MappedRegion(path, length, stream, file, view, pointer + view.PointerOffset, ownsFile: false) { _reserved = length }; // its creator reserved it
        }
        catch
        {
            view?.Dispose();
            file?.Dispose();
            stream.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Makes sure the first <paramref name="length"/> bytes have pages behind them before anyone touches them (a region
    /// is used by one payload at a time, so this needs no lock). Pages once reserved stay reserved while the file lives.
    /// </summary>
    /// <exception cref="RegionFolderFullException">The folder has no room for them.</exception>
    public void Reserve(int length)
    {
        if (length > _reserved)
        {
            FileSpace.Reserve(File.SafeFileHandle, Path, _reserved, length - _reserved);
            _reserved = length;
        }
    }

    /// <summary>The first <paramref name="length"/> bytes as a span.</summary>
    public Span<byte> AsSpan(int length) => new(Pointer, length);

    /// <inheritdoc />
    public override Span<byte> GetSpan() => new(Pointer, Length);

    /// <inheritdoc />
    public override MemoryHandle Pin(int elementIndex = 0) => new(Pointer + elementIndex);

    /// <inheritdoc />
    public override void Unpin()
    {
        // The mapping never moves: nothing to unpin.
    }

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        if (_pointer == null)
        {
            return;
        }

        _pointer = null;
        _view.SafeMemoryMappedViewHandle.ReleasePointer();
        _view.Dispose();
        _file.Dispose();
        _stream.Dispose();
        if (_ownsFile)
        {
            RegionFolder.TryDelete(Path); // best effort: the stale-file sweep of the next pool removes it
        }

        Disposed?.Invoke();
    }
}
