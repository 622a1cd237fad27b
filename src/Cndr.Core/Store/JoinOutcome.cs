namespace Cndr.Core.Store;

/// <summary>Outcome of a join or seat reclaim.</summary>
public enum JoinOutcome : byte
{
    /// <summary>The connection now holds the host role / seat / audience place.</summary>
    Joined,
    /// <summary>The room does not exist (any more).</summary>
    RoomNotFound,
    /// <summary>The role's capacity is reached (never for a reclaim or the host).</summary>
    RoomFull,
    /// <summary>Reclaim only: no seat with that clientId is held in the room.</summary>
    SeatNotFound,
    /// <summary>Reclaim only: the seat exists but the seat token hash does not match (or none was given).</summary>
    InvalidSeatToken,
}
