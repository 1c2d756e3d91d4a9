namespace Roadrunner.Extensions.Hosting;

/// <summary>The rule for function and route names in configuration: an RFC 1123 DNS label, so one name works everywhere.</summary>
internal static class FunctionName
{
    /// <summary>Longest label (RFC 1123).</summary>
    public const int MaxLength = 63;

    /// <summary>Null when <paramref name="name"/> is a valid label, else why not.</summary>
    public static string? Check(string? name)
    {
        if (string.IsNullOrEmpty(name))
        {
            return "a name is required";
        }

        if (name.Length > MaxLength)
        {
            return $"'{name}' is {name.Length} characters long; a name has at most {MaxLength} (a DNS label)";
        }

        foreach (char c in name)
        {
            if (c is not ((>= 'a' and <= 'z') or (>= '0' and <= '9') or '-'))
            {
                return $"'{name}' has '{c}'; a name uses only a-z, 0-9 and '-' (a DNS label)";
            }
        }

        return name[0] == '-' || name[^1] == '-' ? $"'{name}' starts or ends with '-' (not a DNS label)" : null;
    }
}
