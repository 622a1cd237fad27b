namespace Cndr.Core.Cluster;

/// <summary>One node as the registry sees it.</summary>
/// <param name="NodeId">The node's id.</param>
/// <param name="RegisteredAtMs">Score in <c>nodes:registry</c>: when the node registered (Unix ms).</param>
/// <param name="LastHeartbeatMs">Field of <c>nodes:heartbeat</c>, or null when the node has none.</param>
public readonly record struct NodeEntry(string NodeId, long RegisteredAtMs, long? LastHeartbeatMs);
