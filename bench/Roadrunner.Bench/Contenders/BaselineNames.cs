namespace Roadrunner.Bench.Contenders;

/// <summary>The baseline names used in records, tables and <see cref="IHoseMode.Baselines"/>.</summary>
public static class BaselineNames
{
    /// <summary>The paper's baseline: guests do base64 JSON, hosts carry it over HTTP on loopback (Kestrel + pooled HttpClient).</summary>
    public const string HttpJson = "http-json";

    /// <summary>The strongest variant: the same, with the hosts doing the JSON with .NET's own fast encoders.</summary>
    public const string HttpJsonHost = "http-json-host";

    /// <summary><c>http-json</c>'s guests over a length-prefixed UNIX domain socket.</summary>
    public const string UdsJson = "uds-json";

    /// <summary>The floor: one copy of the same bytes into the receiver's memory.</summary>
    public const string Memcpy = "memcpy";

    /// <summary>The floor of a zero-copy hop: the same page mapping, done bare from .NET (<see cref="Roadrunner.Workloads.MapFloor"/>).</summary>
    public const string MapFloor = Roadrunner.Workloads.MapFloor.BaselineName;

    /// <summary>A plain socket pump between the same two processes (network mode only; the mode provides it).</summary>
    public const string SocketPump = "socket-pump";
}
