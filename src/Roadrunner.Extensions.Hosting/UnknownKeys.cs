using System.Collections;
using System.Reflection;
using Microsoft.Extensions.Configuration;
using Roadrunner.Hoses.Network;
using Roadrunner.Hoses.SharedMemory;
using Roadrunner.Regions;

namespace Roadrunner.Extensions.Hosting;

/// <summary>
/// Finds every configuration key no option property takes, with its full path (<c>Roadrunner:Functions:0:Pth</c>), so
/// one start reports every misspelt key. (The configuration binder's own check stops at the first and names only the
/// property.) Keys are matched case-insensitively, as the binder does; dictionary keys are data and always taken.
/// A key that was renamed is named with its new name (<c>Roadrunner:Host:Regions:Directory (renamed: use FolderPath)</c>).
/// </summary>
internal static class UnknownKeys
{
    /// <summary>How a renamed key is marked in the list: the new name follows, then <c>)</c>.</summary>
    public const string RenamedMarker = " (renamed: use ";

    /// <summary>Keys of earlier versions: a configuration written for them fails and says what the key is called now.</summary>
    private static readonly (Type Owner, string Old, string New)[] s_renamed =
    [
        (typeof(RegionPoolOptions), "Directory", nameof(RegionPoolOptions.FolderPath)),
        (typeof(SharedMemoryOptions), "Directory", nameof(SharedMemoryOptions.FolderPath)),
        (typeof(NetworkOptions), "Directory", nameof(NetworkOptions.Resolver)),
    ];

    /// <summary>The paths of the keys under <paramref name="section"/> that <paramref name="type"/> has no place for.</summary>
    public static List<string> Find(IConfiguration section, Type type, string path)
    {
        var unknown = new List<string>();
        Walk(section, type, path, unknown);
        return unknown;
    }

    private static void Walk(IConfiguration section, Type type, string path, List<string> unknown)
    {
        foreach (IConfigurationSection child in section.GetChildren())
        {
            string childPath = $"{path}:{child.Key}";
            if (ElementOf(type) is { } element)
            {
                Walk(child, element, childPath, unknown); // a list index or a dictionary key: the value has the element's shape
                continue;
            }

            PropertyInfo? property = type.GetProperty(child.Key, BindingFlags.Public | BindingFlags.Instance | BindingFlags.IgnoreCase);
            if (property is null || !property.CanWrite && !IsComplex(property.PropertyType))
            {
                unknown.Add(RenamedTo(type, child.Key) is { } renamed ? $"{childPath}{RenamedMarker}{renamed})" : childPath);
            }
            else if (IsComplex(property.PropertyType))
            {
                Walk(child, property.PropertyType, childPath, unknown);
            }
        }
    }

    /// <summary>The new name of <paramref name="key"/> of <paramref name="type"/>, or null when it was not renamed.</summary>
    private static string? RenamedTo(Type type, string key) =>
        s_renamed.FirstOrDefault(r => r.Owner == type && r.Old.Equals(key, StringComparison.OrdinalIgnoreCase)).New;

    /// <summary>The element type of a list, array or dictionary (its values), or null for anything else.</summary>
    private static Type? ElementOf(Type type)
    {
        if (type.IsArray)
        {
            return type.GetElementType();
        }

        Type? generic = type.IsGenericType && type.GetGenericTypeDefinition() is var d && (d == typeof(IDictionary<,>) || d == typeof(Dictionary<,>) || d == typeof(IReadOnlyDictionary<,>))
            ? type
            : type.GetInterfaces().FirstOrDefault(i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(IDictionary<,>));
        if (generic is not null)
        {
            return generic.GetGenericArguments()[1];
        }

        Type? list = type.IsGenericType && type.GetGenericTypeDefinition() is var l && (l == typeof(IList<>) || l == typeof(IReadOnlyList<>) || l == typeof(IEnumerable<>) || l == typeof(List<>))
            ? type
            : null;
        return list?.GetGenericArguments()[0];
    }

    /// <summary>A type the binder walks into (options classes and collections), as opposed to a value it converts.</summary>
    private static bool IsComplex(Type type)
    {
        type = Nullable.GetUnderlyingType(type) ?? type;
        return type != typeof(string) && !type.IsPrimitive && !type.IsEnum && type != typeof(decimal) && type != typeof(TimeSpan)
            && type != typeof(DateTime) && type != typeof(DateTimeOffset) && type != typeof(byte[])
            && (type.IsClass || type.IsInterface) && (ElementOf(type) is not null || !typeof(IEnumerable).IsAssignableFrom(type));
    }
}
