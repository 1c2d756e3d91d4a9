namespace Roadrunner.Hoses.Network;

/// <summary>
/// The order in which a send tries the replicas of a name, by RFC 2782 ("A DNS RR for specifying the location of
/// services (DNS SRV)", section "Usage rules"): lowest priority first; within one priority a weighted random choice,
/// record after record, so that a replica of weight w comes first with probability w / (sum of the weights), and
/// replicas of weight 0 are chosen only when no weighted one is left (equal weights, 0 included, are shuffled).
/// </summary>
internal static class ReplicaOrder
{
    /// <summary>Every replica once, in the order to try them.</summary>
    public static NetworkReplica[] Arrange(IReadOnlyList<NetworkReplica> replicas, Random random)
    {
        var order = new NetworkReplica[replicas.Count];
        int next = 0;
        foreach (IGrouping<int, NetworkReplica> group in replicas.GroupBy(r => r.Priority).OrderBy(g => g.Key))
        {
            NetworkReplica[] shuffled = [.. group];
            random.Shuffle(shuffled);
            // RFC 2782: "arrange all SRV RRs (that have not been ordered yet) in any order, except that all those
            // with weight 0 are placed at the beginning of the list", then pick by running sum.
            List<NetworkReplica> left = [.. shuffled.OrderBy(r => r.Weight == 0 ? 0 : 1)];
            while (left.Count > 0)
            {
                long sum = left.Sum(r => (long)r.Weight);
                long pick = random.NextInt64(sum + 1); // uniform in [0, sum]
                long running = 0;
                int chosen = 0;
                for (; chosen < left.Count; chosen++)
                {
                    running += left[chosen].Weight;
                    if (running >= pick)
                    {
                        break;
                    }
                }

                order[next++] = left[chosen];
                left.RemoveAt(chosen);
            }
        }

        return order;
    }
}
