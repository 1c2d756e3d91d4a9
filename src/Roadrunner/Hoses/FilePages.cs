using System.Runtime.InteropServices;

namespace Roadrunner.Hoses;

/// <summary>
/// Where a payload's bytes also live in a file, in whole pages from <see cref="Offset"/> (a region, or a guest memory
/// kept in a file): a receiver may map them copy-on-write instead of copying. Default: nowhere (copy).
/// </summary>
internal readonly record struct FilePages(SafeHandle? File, long Offset, int Length)
{
    /// <summary>True when there is no file behind the bytes.</summary>
    public bool IsEmpty => File is null;
}

/// <summary>
/// A sender that can offer an idle receiver the payload's file pages to map, when the payload lives in a file that
/// stays unchanged until the send returns (a guest's committed window: the guest waits in <c>commit</c>).
/// </summary>
internal interface IPageSender
{
    /// <summary>As <see cref="IHoseSender.Send"/>; an idle receiver that can map <paramref name="pages"/> maps them instead of copying.</summary>
    HoseStatus Send(ReadOnlySpan<byte> payload, FilePages pages, TimeSpan timeout, CancellationToken cancellationToken);

    /// <summary>
    /// True when a send that did not end in Ok may leave the pages referenced after it returns: <c>sendfile</c> into a
    /// socket hands the kernel the file's pages, which stay in the socket (or, on loopback, in the peer's) until the
    /// receiver reads them. The caller must then keep later writes out of those file pages (the Wasm layer detaches
    /// them: <c>GuestMemoryFile.Detach</c>) before the bytes may change. An Ok send
    /// never does (Ok comes with the receiver's Ack, after it has read every byte). Default: false.
    /// </summary>
    bool PagesOutliveFailedSends => false;
}
