using System.Globalization;
using Tomlyn.Parsing;
using Tomlyn.Syntax;

namespace Roadrunner.Cli.Manifest;

/// <summary>One problem in a manifest: the 1-based line, the key as the manifest spells it, and what is wrong.</summary>
internal sealed record ManifestError(int Line, string Key, string Message)
{
    /// <summary><c>roadrunner.toml:7: functions[1].path: 'x.wasm' does not exist</c>.</summary>
    public string Format(string file) => $"{file}:{Line.ToString(CultureInfo.InvariantCulture)}: {(Key.Length == 0 ? "" : Key + ": ")}{Message}";
}

/// <summary>
/// A manifest read into configuration key/value pairs under <c>Roadrunner</c> (the same schema as the JSON section),
/// with the line and TOML spelling of every key and table, so that an error about a key points at its line.
/// </summary>
internal sealed class ManifestDocument
{
    private readonly Dictionary<string, string?> _data = new(StringComparer.OrdinalIgnoreCase);
    private readonly Dictionary<string, int> _lines = new(StringComparer.OrdinalIgnoreCase);
    private readonly Dictionary<string, string> _spellings = new(StringComparer.OrdinalIgnoreCase);
    private readonly Dictionary<string, int> _tableArrays = new(StringComparer.OrdinalIgnoreCase); // key → elements so far
    private readonly List<ManifestError> _errors = [];
    private readonly List<ManifestError> _emptyTables = [];

    private ManifestDocument(string path)
    {
        Path = path;
        Folder = System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path))!;
        _lines[ManifestKeys.Root] = 1;
    }

    /// <summary>The manifest file as given.</summary>
    public string Path { get; }

    /// <summary>Its folder: relative paths in the manifest start here (the host's content root).</summary>
    public string Folder { get; }

    /// <summary>Configuration keys (<c>Roadrunner:Functions:0:Name</c>) and their values.</summary>
    public IReadOnlyDictionary<string, string?> Data => _data;

    /// <summary>TOML syntax errors (with <see cref="Data"/> incomplete), or none.</summary>
    public IReadOnlyList<ManifestError> SyntaxErrors => _errors;

    /// <summary>Tables that set nothing: configuration cannot see them, so <c>[shared_memory]</c> alone would not turn the endpoint on.</summary>
    public IReadOnlyList<ManifestError> EmptyTables => _emptyTables;

    /// <summary>Reads and parses a manifest file.</summary>
    /// <exception cref="IOException">The file cannot be read.</exception>
    public static ManifestDocument Load(string path) => Parse(File.ReadAllText(path), path);

    /// <summary>Parses manifest text; <paramref name="path"/> names it in errors and gives the content root.</summary>
    public static ManifestDocument Parse(string text, string path)
    {
        var manifest = new ManifestDocument(path);
        DocumentSyntax document = SyntaxParser.Parse(text, path, true);
        foreach (DiagnosticMessage message in document.Diagnostics)
        {
            if (message.Kind == DiagnosticMessageKind.Error)
            {
                manifest._errors.Add(new ManifestError(message.Span.Start.Line + 1, "", message.Message));
            }
        }

        if (manifest._errors.Count == 0)
        {
            manifest.Read(document);
        }

        return manifest;
    }

    /// <summary>
    /// Where <paramref name="configurationKey"/> (or, for a key the manifest does not have, its nearest table) is
    /// written, and how the manifest spells it.
    /// </summary>
    public (int Line, string Key) Locate(string configurationKey)
    {
        string key = configurationKey;
        int line;
        while (!_lines.TryGetValue(key, out line))
        {
            int colon = key.LastIndexOf(':');
            if (colon < 0)
            {
                line = 1;
                break;
            }

            key = key[..colon];
        }

        return (line, ManifestKeys.ToToml(configurationKey, _spellings));
    }

    private void Read(DocumentSyntax document)
    {
        ReadKeyValues(ManifestKeys.Root, "", document.KeyValues);
        var tables = new List<(string Key, string Spelled, int Line)>();
        foreach (TableSyntaxBase table in document.Tables)
        {
            (string key, string spelled) = TablePath(table);
            ReadKeyValues(key, spelled, table.Items);
            tables.Add((key, spelled, table.Span.Start.Line + 1));
        }

        foreach ((string key, string spelled, int line) in tables.Where(t => !_data.Keys.Any(k => k.StartsWith(t.Key + ":", StringComparison.OrdinalIgnoreCase))))
        {
            _emptyTables.Add(new ManifestError(line, spelled, "an empty table sets nothing (configuration cannot see it): add enabled = true to turn an endpoint on, or remove it"));
        }
    }

    /// <summary>The configuration key of a <c>[table]</c> or of the new element of a <c>[[table.array]]</c>.</summary>
    private (string Key, string Spelled) TablePath(TableSyntaxBase table)
    {
        int line = table.Span.Start.Line + 1;
        List<string> names = Names(table.Name!);
        string key = ManifestKeys.Root;
        string spelled = "";
        for (int i = 0; i < names.Count; i++)
        {
            (key, spelled) = Step(key, spelled, names[i], line);
            bool last = i == names.Count - 1;
            if (last && table is TableArraySyntax)
            {
                int index = _tableArrays.GetValueOrDefault(key);
                _tableArrays[key] = index + 1;
                (key, spelled) = Element(key, spelled, index, line);
            }
            else if (_tableArrays.TryGetValue(key, out int count))
            {
                (key, spelled) = Element(key, spelled, count - 1, line); // [a.b] under [[a]] continues a's last element
            }
        }

        return (key, spelled);
    }

    private void ReadKeyValues(string table, string spelled, SyntaxList<KeyValueSyntax> items)
    {
        foreach (KeyValueSyntax item in items)
        {
            int line = item.Span.Start.Line + 1;
            List<string> names = Names(item.Key!);
            (string key, string keySpelled) = (table, spelled);
            foreach (string name in names)
            {
                (key, keySpelled) = Step(key, keySpelled, name, line);
            }

            ReadValue(key, keySpelled, item.Value!);
        }
    }

    private void ReadValue(string key, string spelled, ValueSyntax value)
    {
        switch (value)
        {
            case ArraySyntax array:
                int index = 0;
                foreach (ArrayItemSyntax item in array.Items)
                {
                    (string itemKey, string itemSpelled) = Element(key, spelled, index++, item.Span.Start.Line + 1);
                    ReadValue(itemKey, itemSpelled, item.Value!);
                }

                break;
            case InlineTableSyntax table:
                foreach (InlineTableItemSyntax item in table.Items)
                {
                    KeyValueSyntax keyValue = item.KeyValue!;
                    (string itemKey, string itemSpelled) = (key, spelled);
                    foreach (string name in Names(keyValue.Key!))
                    {
                        (itemKey, itemSpelled) = Step(itemKey, itemSpelled, name, keyValue.Span.Start.Line + 1);
                    }

                    ReadValue(itemKey, itemSpelled, keyValue.Value!);
                }

                break;
            default:
                _data[key] = ManifestKeys.Value(key, Scalar(value));
                break;
        }
    }

    private static string Scalar(ValueSyntax value) => value switch
    {
        StringValueSyntax s => s.Value ?? "",
        IntegerValueSyntax i => i.Value.ToString(CultureInfo.InvariantCulture),
        FloatValueSyntax f => f.Value.ToString("R", CultureInfo.InvariantCulture),
        BooleanValueSyntax b => b.Value ? "true" : "false",
        DateTimeValueSyntax d => d.Value.ToString(),
        _ => value.ToString() ?? "",
    };

    private (string Key, string Spelled) Step(string parent, string spelled, string name, int line)
    {
        string key = ManifestKeys.Child(parent, name);
        string keySpelled = spelled.Length == 0 ? name : spelled + "." + name;
        if (name.Contains(':', StringComparison.Ordinal))
        {
            _errors.Add(new ManifestError(line, keySpelled, "a key may not contain ':'"));
        }

        _lines.TryAdd(key, line);
        _spellings.TryAdd(key, keySpelled);
        return (key, keySpelled);
    }

    private (string Key, string Spelled) Element(string parent, string spelled, int index, int line)
    {
        string key = parent + ":" + index.ToString(CultureInfo.InvariantCulture);
        string keySpelled = spelled + "[" + index.ToString(CultureInfo.InvariantCulture) + "]";
        _lines.TryAdd(key, line);
        _spellings.TryAdd(key, keySpelled);
        return (key, keySpelled);
    }

    private static List<string> Names(KeySyntax key)
    {
        var names = new List<string> { Name(key.Key!) };
        foreach (DottedKeyItemSyntax dotted in key.DotKeys)
        {
            names.Add(Name(dotted.Key!));
        }

        return names;
    }

    private static string Name(BareKeyOrStringValueSyntax key) => key switch
    {
        BareKeySyntax bare => bare.Key?.Text ?? "",
        StringValueSyntax quoted => quoted.Value ?? "",
        _ => key.ToString() ?? "",
    };
}
