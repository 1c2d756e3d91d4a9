namespace Roadrunner.Tests.Support;

/// <summary>Random payloads that are reproducible from their seed.</summary>
internal static class Payloads
{
    public static byte[] Random(int length, int seed)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }
}
