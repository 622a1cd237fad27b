namespace Cndr.Core.Cluster;

/// <summary>Closes a room everywhere: what the primary node calls for an inactive room.</summary>
public interface IRoomCloser
{
    /// <summary>
    /// Sends <c>room_closed {reason}</c> to the room's clients on every node, disconnects them and deletes every key
    /// of the room. <paramref name="reason"/>: <c>inactive</c>, <c>closed_by_admin</c> (clients are told
    /// <c>closed_by_host</c>; the webhook says <c>closed_by_admin</c>) or <c>closed_by_host</c>. Returns false when the
    /// room was already gone.
    /// </summary>
    ValueTask<bool> CloseRoomAsync(RoomCode code, string reason);
}
