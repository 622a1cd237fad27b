namespace Cndr.Core.Relay;

/// <summary>What <see cref="RelayHandler.KickClientAsync"/> did.</summary>
public enum KickOutcome : byte
{
    /// <summary>The member's record is gone from the store and its connection was told <c>KICKED</c> and closed.</summary>
    Kicked,
    RoomNotFound,
    /// <summary>No member with that id (or it left meanwhile).</summary>
    ClientNotFound,
    /// <summary>A player seat whose player is away: there is no connection to kick (the seat is kept).</summary>
    NotConnected,
}
