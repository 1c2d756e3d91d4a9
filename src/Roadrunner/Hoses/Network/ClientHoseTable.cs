namespace Roadrunner.Hoses.Network;

/// <summary>
/// The hoses of one client connection, by name: a name gets the next id the first time it is used; a hose whose open
/// failed is removed, so the next send opens it again (the name may be served later).
/// </summary>
internal sealed class ClientHoseTable
{
    private readonly Dictionary<string, ClientHose> _hoses = new(StringComparer.Ordinal);
    private uint _nextId;

    /// <summary>The hose bound to <paramref name="name"/>; <paramref name="added"/> when this call made it (its caller sends the Open).</summary>
    public ClientHose GetOrAdd(string name, out bool added)
    {
        lock (_hoses)
        {
            added = !_hoses.TryGetValue(name, out ClientHose? hose);
            if (added)
            {
                hose = new ClientHose(++_nextId, name);
                _hoses.Add(name, hose);
            }

            return hose!;
        }
    }

    /// <summary>Forgets <paramref name="hose"/> (its open failed), unless its name was bound anew meanwhile.</summary>
    public void Remove(ClientHose hose)
    {
        lock (_hoses)
        {
            if (_hoses.TryGetValue(hose.Name, out ClientHose? current) && current == hose)
            {
                _hoses.Remove(hose.Name);
            }
        }
    }
}
