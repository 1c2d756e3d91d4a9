namespace Roadrunner.Extensions.Hosting;

/// <summary>Reads the network key from <see cref="RoadrunnerNetwork"/>: inline base64, or a file of raw bytes or base64 text.</summary>
internal static class PreSharedKey
{
    /// <summary>The key, or null when neither is set.</summary>
    /// <exception cref="FormatException">Both are set, or the base64 is malformed.</exception>
    /// <exception cref="IOException">The file cannot be read.</exception>
    public static byte[]? Load(RoadrunnerNetwork network, string contentRoot)
    {
        if (network.PreSharedKey is not null && network.PreSharedKeyFile is not null)
        {
            throw new FormatException("set PreSharedKey or PreSharedKeyFile, not both");
        }

        if (network.PreSharedKey is { } inline)
        {
            return Decode(inline);
        }

        if (network.PreSharedKeyFile is not { } file)
        {
            return null;
        }

        byte[] bytes = File.ReadAllBytes(Path.Combine(contentRoot, file));
        string text = System.Text.Encoding.ASCII.GetString(bytes).Trim();
        // A file that holds base64 text (as `openssl rand -base64 32` writes) is decoded; anything else is the key itself.
        return text.Length > 0 && Convert.TryFromBase64String(text, new byte[text.Length], out _) ? Decode(text) : bytes;
    }

    private static byte[] Decode(string base64)
    {
        try
        {
            return Convert.FromBase64String(base64.Trim());
        }
        catch (FormatException)
        {
            throw new FormatException("the key is not valid base64"); // never echo the key
        }
    }
}
