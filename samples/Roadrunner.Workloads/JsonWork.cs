namespace Roadrunner.Workloads;

/// <summary>Who turns the payload into JSON (<c>{"payload":"&lt;base64&gt;"}</c>) and back in a JSON baseline.</summary>
public enum JsonWork
{
    /// <summary>The guests, in WebAssembly (<c>encode_json</c> / <c>decode_json</c>): what functions do today (the paper's baseline).</summary>
    Guest,

    /// <summary>The .NET hosts, with <c>System.Text.Json</c> and the vectorized <c>System.Buffers.Text.Base64</c>: the strongest variant.</summary>
    Host,
}
