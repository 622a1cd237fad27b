namespace Cndr.Core.Store;

/// <summary>One room and its last activity (for inactivity cleanup).</summary>
public readonly record struct RoomActivity(RoomCode Code, long LastActivityMs);
