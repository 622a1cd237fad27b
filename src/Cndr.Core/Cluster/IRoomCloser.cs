namespace Cndr.Core.Cluster;

/// <summary>Closes a room everywhere: what the primary node calls for an inactive room.</summary>
public interface IRoomCloser
{
    /// <summary>
    /// Sends <c>room_closed {reason}</c> to the room's clients on every node, disconnects them and deletes every key
    /// of the room. Returns false when the room was already gone.
    /// </summary>
    ValueTask<bool> CloseRoomAsync(RoomCode code, string reason);
}
