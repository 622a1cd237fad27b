namespace Cndr.Core.Store;

/// <summary>
/// One room update travelling between nodes. <see cref="Packet"/> is a complete Socket.IO packet as sent to clients
/// (e.g. <c>42["game_state",{"state":{...},"rev":7}]</c>), so a receiving node sends it as is: encoded once
/// by the publishing node, wrapped once per receiving node.
/// </summary>
/// <param name="Kind">What to do.</param>
/// <param name="Recipients">For <see cref="RoomBusKind.Deliver"/>: which local connections.</param>
/// <param name="Target">A clientId (<see cref="RoomRecipients.Player"/>) or connection id (<see cref="RoomBusKind.Kick"/>); otherwise null.</param>
/// <param name="Packet">The Socket.IO packet text; valid only during <see cref="IRoomBus.Publish"/> / <see cref="IRoomBusListener.OnBusMessage"/>.</param>
/// <param name="Rev">
/// For a <c>game_state</c> (no <see cref="Target"/>) the room's <c>gameStateRev</c>, for a <c>player_state</c> the seat's
/// <c>playerStateRev</c>; 0 for everything else. Receivers drop a state that is not newer than what they delivered and
/// resync on a gap.
/// </param>
public readonly record struct RoomBusMessage(RoomBusKind Kind, RoomRecipients Recipients, string? Target, ReadOnlyMemory<byte> Packet, long Rev = 0);
