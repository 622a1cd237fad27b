namespace Cndr.Core.Relay;

/// <summary>Why a room is closed (<c>room_closed</c> reason).</summary>
public enum RoomCloseReason
{
    /// <summary><c>closed_by_host</c>: the host sent close_room (or the admin API closed it).</summary>
    ClosedByHost,
    /// <summary><c>inactive</c>: inactivity cleanup.</summary>
    Inactive,
    /// <summary><c>lost</c>: the room vanished from the store while clients were in it (Redis lost its data).</summary>
    Lost,
}
