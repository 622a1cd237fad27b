namespace Cndr.Core.Cluster;

/// <summary>
/// The node directory (docs/ARCHITECTURE.md §4): <c>nodes:registry</c> (sorted set, node id → registration time)
/// and <c>nodes:heartbeat</c> (hash, node id → last heartbeat). Times are Unix milliseconds.
/// </summary>
public interface INodeRegistry
{
    /// <summary>Registers the node (keeps an existing registration time) and records a heartbeat, in one round trip.</summary>
    ValueTask RegisterAsync(string nodeId, long nowMs);

    /// <summary>
    /// Records a heartbeat. Re-registers the node when its registration is gone (the primary removed it as stale
    /// while it could not reach Redis, or Redis lost its data), so a node that comes back is counted again.
    /// </summary>
    ValueTask HeartbeatAsync(string nodeId, long nowMs);

    /// <summary>Every registered node with its heartbeat, earliest registration first.</summary>
    ValueTask<IReadOnlyList<NodeEntry>> ListAsync();

    /// <summary>Removes a node from both keys (graceful stop, or stale-node cleanup by the primary).</summary>
    ValueTask RemoveAsync(string nodeId);
}
