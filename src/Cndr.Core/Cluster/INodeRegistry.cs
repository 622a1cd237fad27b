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

    /// <summary>Removes a node from every <c>nodes:*</c> key (graceful stop, or stale-node cleanup by the primary).</summary>
    ValueTask RemoveAsync(string nodeId);

    /// <summary>
    /// Stores the node's live status (<c>nodes:status</c>, hash node id → opaque JSON written by the Host: connections
    /// by role, draining, URL) for the admin API and monitor of every node. Replaces the previous value.
    /// </summary>
    ValueTask PublishStatusAsync(string nodeId, ReadOnlyMemory<byte> status);

    /// <summary>Every stored node status by node id (entries of removed nodes are gone).</summary>
    ValueTask<IReadOnlyDictionary<string, ReadOnlyMemory<byte>>> ListStatusAsync();
}
