namespace Cndr.Core.Cluster;

/// <summary>
/// docs/ARCHITECTURE.md §4: the primary is the earliest-registered node whose heartbeat is younger than the node
/// timeout. Each node computes it independently from the same data; no lock, no coordination.
/// </summary>
public static class PrimaryElection
{
    /// <summary>The primary's id, or null when no node has a live heartbeat.</summary>
    public static string? Elect(IReadOnlyList<NodeEntry> nodes, long nowMs, long nodeTimeoutMs)
    {
        NodeEntry? best = null;
        foreach (var n in nodes)
        {
            if (!IsAlive(n, nowMs, nodeTimeoutMs))
            {
                continue;
            }

            // Ties on the registration time are broken by id so that every node picks the same one.
            if (best is null
                || n.RegisteredAtMs < best.Value.RegisteredAtMs
                || (n.RegisteredAtMs == best.Value.RegisteredAtMs && string.CompareOrdinal(n.NodeId, best.Value.NodeId) < 0))
            {
                best = n;
            }
        }

        return best?.NodeId;
    }

    /// <summary>True when the node's last heartbeat is younger than the timeout.</summary>
    public static bool IsAlive(in NodeEntry node, long nowMs, long nodeTimeoutMs) =>
        node.LastHeartbeatMs is { } hb && nowMs - hb < nodeTimeoutMs;
}
