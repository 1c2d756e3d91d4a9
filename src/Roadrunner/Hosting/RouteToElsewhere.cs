using Roadrunner.Hoses;

namespace Roadrunner.Hosting;

/// <summary>
/// A route of a <see cref="FunctionHost"/> with targets outside it, made into a sender on every open because the
/// processes and nodes that serve those targets announce, restart and go. The local targets are one part (they share
/// one region copy); the targets one fan-out directory serves are one part together (shared memory: one copy into
/// shared regions, a descriptor each); any other target is a part of its own.
/// </summary>
internal sealed class RouteToElsewhere(string name, IHoseSender? localPart, IReadOnlyList<string> elsewhere, LocalDirectory directory)
{
    /// <summary>The route's sender now, or null while a target is not served.</summary>
    public IHoseSender? Open()
    {
        var groups = new List<(IHoseDirectory Directory, List<string> Names, List<IHoseSender> Senders)>();
        foreach (string target in elsewhere)
        {
            if (!directory.TryResolveElsewhere(target, out IHoseDirectory? owner, out IHoseSender? sender))
            {
                return null; // opening the route answers UnknownTarget, as for a name nobody serves
            }

            int group = groups.FindIndex(g => ReferenceEquals(g.Directory, owner));
            if (group < 0)
            {
                groups.Add((owner, [], []));
                group = groups.Count - 1;
            }

            groups[group].Names.Add(target);
            groups[group].Senders.Add(sender);
        }

        var parts = new List<IHoseSender>();
        if (localPart is not null)
        {
            parts.Add(localPart);
        }

        foreach ((IHoseDirectory owner, List<string> names, List<IHoseSender> senders) in groups)
        {
            if (names.Count > 1 && owner is IFanOutDirectory fanOut && fanOut.TryResolveFanOut(name, names, out IHoseSender? together))
            {
                parts.Add(together);
            }
            else
            {
                parts.AddRange(senders);
            }
        }

        return parts.Count == 1 ? parts[0] : new RouteFanOut(name, parts);
    }
}
