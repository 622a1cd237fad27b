namespace Cndr.Core.Store;

/// <summary>Outcome of a state write.</summary>
public enum StateWriteOutcome : byte
{
    /// <summary>Stored; <see cref="StateWriteResult.Rev"/> is the new revision.</summary>
    Written,
    /// <summary>The room does not exist: nothing was written.</summary>
    RoomNotFound,
    /// <summary>Player state only: no seat with that clientId.</summary>
    PlayerNotFound,

    /// <summary>The caller is no longer the room's host connection (replaced): nothing was written.</summary>
    NotHost,
}
