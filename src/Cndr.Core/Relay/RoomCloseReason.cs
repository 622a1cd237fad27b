namespace Cndr.Core.Relay;

/// <summary>Why a room is closed (<c>room_closed</c> reason).</summary>
public enum RoomCloseReason
{
    /// <summary><c>closed_by_host</c>: the host sent close_room.</summary>
    ClosedByHost,
    /// <summary>The admin API closed it: clients see <c>closed_by_host</c> (the game's side closed it), webhooks say <c>closed_by_admin</c>.</summary>
    ClosedByAdmin,
    /// <summary><c>inactive</c>: inactivity cleanup.</summary>
    Inactive,
    /// <summary><c>lost</c>: the room vanished from the store while clients were in it (Redis lost its data).</summary>
    Lost,
}
