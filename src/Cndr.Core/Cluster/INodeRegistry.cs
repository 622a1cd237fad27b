namespace Cndr.Core.Cluster;

/// <summary>One node as the registry sees it.</summary>
/// <param name="NodeId">The node's id.</param>
/// <param name="RegisteredAtMs">Score in <c>nodes:registry</c>: when the node registered (Unix ms).</param>
/// <param name="LastHeartbeatMs">Field of <c>nodes:heartbeat</c>, or null when the node has none.</param>
public readonly record struct NodeEntry(string NodeId, long RegisteredAtMs, long? LastHeartbeatMs);

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

/// <summary>Closes a room everywhere: what the primary node calls for an inactive room.</summary>
public interface IRoomCloser
{
    /// <summary>
    /// Sends <c>room_closed {reason}</c> to the room's clients on every node, disconnects them and deletes every key
    /// of the room. Returns false when the room was already gone.
    /// </summary>
    ValueTask<bool> CloseRoomAsync(RoomCode code, string reason);
}
