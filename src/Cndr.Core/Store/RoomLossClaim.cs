namespace Cndr.Core.Store;

/// <summary>What <see cref="IRelayStore.TryClaimRoomLostAsync"/> found for a room that is gone from the store.</summary>
public enum RoomLossClaim
{
    /// <summary>Lost, and this caller is the first to say so: it sends the <c>room_closed {reason:"lost"}</c> webhook.</summary>
    Claimed,

    /// <summary>Lost, and another node claimed it first: close the room's clients here, send no webhook.</summary>
    ClaimedBefore,

    /// <summary>Not lost: a close deleted it (host, operator or inactivity), and its <c>room_closed</c> is on its way.</summary>
    Closed,
}
