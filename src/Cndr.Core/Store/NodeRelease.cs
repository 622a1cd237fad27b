namespace Cndr.Core.Store;

/// <summary>
/// What <see cref="IRelayStore.ReleaseNodeAsync"/> released in one room: the dead node's host connection, the players it
/// served (marked disconnected, seats kept) and its audience members (removed).
/// </summary>
/// <param name="Code">The room.</param>
/// <param name="HostConnectionId">The released host connection, or null when the room's host was elsewhere (or none).</param>
/// <param name="DisconnectedPlayers">clientIds of the seats marked disconnected.</param>
/// <param name="RemovedAudience">Connection ids of the audience members removed.</param>
public sealed record NodeRelease(RoomCode Code, string? HostConnectionId, IReadOnlyList<string> DisconnectedPlayers, IReadOnlyList<string> RemovedAudience);
