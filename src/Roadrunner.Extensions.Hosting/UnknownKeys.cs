using System.Collections;
using System.Reflection;
using Microsoft.Extensions.Configuration;

namespace Roadrunner.Extensions.Hosting;

/// <summary>
/// Finds every configuration key no option property takes, with its full path (<c>Roadrunner:Functions:0:Pth</c>), so
/// one start reports every misspelt key. (The configuration binder's own check stops at the first and names only the
/// property.) Keys are matched case-insensitively, as the binder does; dictionary keys are data and always taken.
/// </summary>
internal static class UnknownKeys
{
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
                unknown.Add(childPath);
            }
            else if (IsComplex(property.PropertyType))
            {
                Walk(child, property.PropertyType, childPath, unknown);
            }
        }
    }

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
