namespace Cndr.Core.Cluster;

/// <summary>Timing of node coordination (docs/ARCHITECTURE.md §4).</summary>
public sealed class CoordinatorOptions
{
    /// <summary><c>HEARTBEAT_INTERVAL_MS</c>.</summary>
    public int HeartbeatIntervalMs { get; set; } = 60_000;

    /// <summary><c>NODE_TIMEOUT_MS</c>: a node without a heartbeat this long is dead.</summary>
    public int NodeTimeoutMs { get; set; } = 180_000;

    /// <summary><c>CLEANUP_INTERVAL_MS</c>: how often the primary looks for inactive rooms and stale nodes.</summary>
    public int CleanupIntervalMs { get; set; } = 300_000;

    /// <summary><c>INACTIVE_ROOM_THRESHOLD_MS</c>.</summary>
    public int InactiveRoomThresholdMs { get; set; } = 300_000;

    /// <summary>How often a node checks that the rooms it serves still exist in the store (one round trip for all of them).</summary>
    public int RoomCheckIntervalMs { get; set; } = 5_000;
}
