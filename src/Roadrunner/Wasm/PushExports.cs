using Wasmtime;

namespace Roadrunner.Wasm;

/// <summary>
/// Finds a guest's push exports. A module that exports neither is a pull receiver; one that exports both with the
/// documented signatures is a push receiver; anything in between (one of the two, a wrong signature, or a name used
/// for something that is not a function) is refused, because it would silently turn into a pull receiver whose
/// payloads pile up unseen.
/// </summary>
internal static class PushExports
{
    /// <summary>Export that hands the host a buffer: <c>(len: i32) -> ptr: i32</c>.</summary>
    public const string Alloc = "rr_alloc";

    /// <summary>Export called after the copy: <c>(ptr: i32, len: i32) -> ()</c>.</summary>
    public const string OnMessage = "rr_on_message";

    /// <summary>Optional export of a push receiver that takes large payloads mapped: <c>(len: i32) -> ptr: i32</c>, a 64 KiB-aligned window.</summary>
    public const string AllocWindow = "rr_alloc_window";

    /// <summary>Looks up <c>rr_alloc_window</c>; null when not exported.</summary>
    /// <exception cref="ArgumentException">It has the wrong type, or the module is not a push receiver.</exception>
    public static Func<int, int>? FindWindowExport(Instance instance, string functionName, bool isPushReceiver)
    {
        if (!Check(instance, functionName, AllocWindow, [ValueKind.Int32], [ValueKind.Int32]))
        {
            return null;
        }

        if (!isPushReceiver)
        {
            throw new ArgumentException(
                $"Function '{functionName}' exports '{AllocWindow}' but not '{Alloc}' and '{OnMessage}': only a push receiver takes payloads into windows.",
                nameof(instance));
        }

        return instance.GetFunction<int, int>(AllocWindow);
    }

    /// <summary>Looks up both exports; false for a pull receiver.</summary>
    /// <exception cref="ArgumentException">Only one of the two is exported, or either has the wrong type.</exception>
    public static bool TryFind(Instance instance, string functionName, out Func<int, int>? alloc, out Action<int, int>? onMessage)
    {
        bool hasAlloc = Check(instance, functionName, Alloc, [ValueKind.Int32], [ValueKind.Int32]);
        bool hasOnMessage = Check(instance, functionName, OnMessage, [ValueKind.Int32, ValueKind.Int32], []);
        if (hasAlloc != hasOnMessage)
        {
            string missing = hasAlloc ? OnMessage : Alloc;
            throw new ArgumentException(
                $"Function '{functionName}' exports '{(hasAlloc ? Alloc : OnMessage)}' but not '{missing}': a push receiver exports both, a pull receiver neither.",
                nameof(instance));
        }

        alloc = hasAlloc ? instance.GetFunction<int, int>(Alloc) : null;
        onMessage = hasOnMessage ? instance.GetAction<int, int>(OnMessage) : null;
        return hasAlloc;
    }

    private static bool Check(Instance instance, string functionName, string export, ValueKind[] parameters, ValueKind[] results)
    {
        Function? function = instance.GetFunction(export);
        if (function is null)
        {
            if (instance.GetMemory(export) is not null || instance.GetGlobal(export) is not null || instance.GetTable(export) is not null)
            {
                throw new ArgumentException($"Function '{functionName}' exports '{export}' as something other than a function.", nameof(instance));
            }

            return false;
        }

        if (!function.Parameters.SequenceEqual(parameters) || !function.Results.SequenceEqual(results))
        {
            throw new ArgumentException(
                $"Function '{functionName}' exports '{export}' as ({Describe(function.Parameters)}) -> ({Describe(function.Results)}); " +
                $"the push contract needs ({Describe(parameters)}) -> ({Describe(results)}).",
                nameof(instance));
        }

        return true;
    }

    private static string Describe(IReadOnlyList<ValueKind> kinds) =>
        string.Join(", ", kinds.Select(k => k switch
        {
            ValueKind.Int32 => "i32",
            ValueKind.Int64 => "i64",
            ValueKind.Float32 => "f32",
            ValueKind.Float64 => "f64",
            _ => k.ToString(),
        }));
}
