using Microsoft.Extensions.Logging;

namespace Roadrunner.Diagnostics;

/// <summary>
/// Every log entry the library writes, in one place (source-generated, allocation-free when the level is off). Event
/// ids: 1000s guests, 1100s regions, 1200s shared memory, 1300s network. docs/observability.md lists them.
/// </summary>
internal static partial class RoadrunnerLog
{
    /// <summary>Log category of guests' own output.</summary>
    public const string GuestCategory = "Roadrunner.Guest";

    [LoggerMessage(EventId = 1000, EventName = "GuestOutput", Message = "{Function} {Stream}: {Line}")]
    public static partial void GuestOutput(ILogger logger, LogLevel level, string function, string stream, string line);

    [LoggerMessage(EventId = 1001, EventName = "GuestFaulted", Level = LogLevel.Error, Message = "Function {Function} is faulted and receives nothing more: {Reason}")]
    public static partial void GuestFaulted(ILogger logger, string function, string reason);

    [LoggerMessage(EventId = 1002, EventName = "PushRefused", Level = LogLevel.Warning, Message = "Function {Function} refused a payload of {Bytes} bytes (rr_alloc answered 0 or a pointer outside its memory); path {Path}")]
    public static partial void PushRefused(ILogger logger, string function, long bytes, string path);

    [LoggerMessage(EventId = 1100, EventName = "StaleFilesSwept", Level = LogLevel.Information, Message = "Removed {Count} files of dead processes from {Folder}")]
    public static partial void StaleFilesSwept(ILogger logger, int count, string folder);

    [LoggerMessage(EventId = 1101, EventName = "RegionFolderFull", Level = LogLevel.Warning, Message = "The region folder is full: {Reason}")]
    public static partial void RegionFolderFull(ILogger logger, string reason);

    [LoggerMessage(EventId = 1102, EventName = "RegionFolderOnDisk", Level = LogLevel.Information, Message = "The region folder {Folder} is on {FileSystem}, not a memory file system (tmpfs): region files and guest memories in files are written back to disk")]
    public static partial void RegionFolderOnDisk(ILogger logger, string folder, string fileSystem);

    [LoggerMessage(EventId = 1200, EventName = "SharedMemoryPeerDied", Level = LogLevel.Warning, Message = "Hose {Hose}: the sending process {ProcessId} died; {Dropped} partial payloads dropped")]
    public static partial void SharedMemoryPeerDied(ILogger logger, string hose, int processId, int dropped);

    [LoggerMessage(EventId = 1201, EventName = "SharedMemoryDeliveryFailed", Level = LogLevel.Warning, Message = "Hose {Hose}: a payload from another process could not be delivered: {Status}")]
    public static partial void SharedMemoryDeliveryFailed(ILogger logger, string hose, HoseStatus status);

    [LoggerMessage(EventId = 1202, EventName = "SharedMemoryPayloadDropped", Level = LogLevel.Warning, Message = "Hose {Hose}: the sender died while its payload waited for room; dropped")]
    public static partial void SharedMemoryPayloadDropped(ILogger logger, string hose);

    [LoggerMessage(EventId = 1203, EventName = "SharedMemoryHoseFailed", Level = LogLevel.Error, Message = "Hose {Hose} failed and is closed: {Reason}")]
    public static partial void SharedMemoryHoseFailed(ILogger logger, string hose, string reason);

    [LoggerMessage(EventId = 1204, EventName = "SharedMemoryBellFailed", Level = LogLevel.Warning, Message = "Could not wake the endpoint {Tag}: {Reason}")]
    public static partial void SharedMemoryBellFailed(ILogger logger, string tag, string reason);

    [LoggerMessage(EventId = 1205, EventName = "SharedMemoryFolderError", Level = LogLevel.Warning, Message = "Rendezvous folder {Activity} failed: {Reason}")]
    public static partial void SharedMemoryFolderError(ILogger logger, string activity, string reason);

    [LoggerMessage(EventId = 1206, EventName = "SharedMemoryRingRefused", Level = LogLevel.Warning, Message = "Refused the ring {File}: {Reason}")]
    public static partial void SharedMemoryRingRefused(ILogger logger, string file, string reason);

    [LoggerMessage(EventId = 1207, EventName = "SharedMemoryUndrained", Level = LogLevel.Warning, Message = "Hose {Hose}: the endpoint closed with {InFlight} payloads its receiver had not released when the drain timeout passed; one it had not mapped yet is lost")]
    public static partial void SharedMemoryUndrained(ILogger logger, string hose, long inFlight);

    [LoggerMessage(EventId = 1300, EventName = "NetworkConnectionDropped", Level = LogLevel.Warning, Message = "Dropped the connection from {Remote}: {Reason} ({Detail})")]
    public static partial void NetworkConnectionDropped(ILogger logger, string remote, string reason, string detail);

    [LoggerMessage(EventId = 1301, EventName = "NetworkPeerUnreachable", Level = LogLevel.Warning, Message = "Cannot reach {EndPoint}: {Detail}; sends to it get PeerFailed until the next attempt")]
    public static partial void NetworkPeerUnreachable(ILogger logger, string endPoint, string detail);

    [LoggerMessage(EventId = 1302, EventName = "NetworkConnected", Level = LogLevel.Information, Message = "Connected to {EndPoint} (congestion control {CongestionControl})")]
    public static partial void NetworkConnected(ILogger logger, string endPoint, string congestionControl);

    [LoggerMessage(EventId = 1303, EventName = "NetworkAcceptedSendDropped", Level = LogLevel.Warning, Message = "Hose {Hose}: a payload accepted by TrySend failed to go out: {Status}")]
    public static partial void NetworkAcceptedSendDropped(ILogger logger, string hose, HoseStatus status);

    [LoggerMessage(EventId = 1304, EventName = "CongestionControlRefused", Level = LogLevel.Warning, Message = "The kernel refused every congestion-control algorithm listed ({Algorithms}); the connection to {EndPoint} keeps the system's default")]
    public static partial void CongestionControlRefused(ILogger logger, string algorithms, string endPoint);
}
