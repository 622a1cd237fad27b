namespace Cndr.Core.Store;

/// <summary>What a bus message asks the receiving nodes to do.</summary>
public enum RoomBusKind : byte
{
    /// <summary>Send <see cref="RoomBusMessage.Packet"/> to the local connections selected by <see cref="RoomBusMessage.Recipients"/>.</summary>
    Deliver = 1,

    /// <summary>
    /// Send <see cref="RoomBusMessage.Packet"/> (a <c>relay_error</c> SEAT_TAKEN_OVER / HOST_REPLACED) to the local connection
    /// whose id is <see cref="RoomBusMessage.Target"/>, then disconnect it (Socket.IO DISCONNECT).
    /// </summary>
    Kick = 2,

    /// <summary>An entry was appended to the room's to-host queue: the node holding the host drains it. No packet.</summary>
    ToHostQueued = 3,

    /// <summary>The room is closed and its keys deleted: send <see cref="RoomBusMessage.Packet"/> (<c>room_closed</c>) to every local connection of the room, then disconnect them.</summary>
    RoomClosed = 4,
}

/// <summary>Which local connections of a room a <see cref="RoomBusKind.Deliver"/> message is for.</summary>
[Flags]
public enum RoomRecipients : byte
{
    None = 0,
    /// <summary>The host connection.</summary>
    Host = 1,
    /// <summary>Every connected player.</summary>
    Players = 2,
    /// <summary>Every audience member.</summary>
    Audience = 4,
    /// <summary>The player whose clientId is <see cref="RoomBusMessage.Target"/>.</summary>
    Player = 8,
}

/// <summary>
/// One room update travelling between nodes. <see cref="Packet"/> is a complete Socket.IO packet as sent to clients
/// (e.g. <c>42["game_state",{"state":{...},"rev":7}]</c>), so a receiving node sends it as is: encoded once
/// by the publishing node, wrapped once per receiving node.
/// </summary>
/// <param name="Kind">What to do.</param>
/// <param name="Recipients">For <see cref="RoomBusKind.Deliver"/>: which local connections.</param>
/// <param name="Target">A clientId (<see cref="RoomRecipients.Player"/>) or connection id (<see cref="RoomBusKind.Kick"/>); otherwise null.</param>
/// <param name="Packet">The Socket.IO packet text; valid only during <see cref="IRoomBus.Publish"/> / <see cref="IRoomBusListener.OnBusMessage"/>.</param>
public readonly record struct RoomBusMessage(RoomBusKind Kind, RoomRecipients Recipients, string? Target, ReadOnlyMemory<byte> Packet);

/// <summary>Receives the bus messages for the rooms a node subscribed to.</summary>
public interface IRoomBusListener
{
    /// <summary>
    /// A message published by another node for <paramref name="room"/>. Must not block; the packet memory is valid
    /// only during the call. May be called on any thread, concurrently for different rooms.
    /// </summary>
    void OnBusMessage(RoomCode room, in RoomBusMessage message);
}

/// <summary>
/// A node's connection to the inter-node bus (Redis: pub/sub on <c>room:updates:&lt;code&gt;</c>).
/// The relay delivers every room update to its own local connections directly and publishes it here for the
/// other nodes; a node subscribes to a room while it has local connections in it.
/// </summary>
/// <remarks>
/// Implementations: the in-process bus (<c>InProcessRoomBus</c>; one node, or several nodes in one process for tests)
/// and the Redis bus (a later issue: one subscriber connection per node, messages handed to a bounded queue, never
/// processed on the Redis completion thread).
/// </remarks>
public interface IRoomBus
{
    /// <summary>This node's id (also written to <c>hostNodeId</c> / <c>connectedNodeId</c>).</summary>
    string NodeId { get; }

    /// <summary>Sets the node's listener (called once, by the relay, before any subscription).</summary>
    void Attach(IRoomBusListener listener);

    /// <summary>Starts receiving messages for <paramref name="room"/> (idempotent per room; the relay pairs it with <see cref="Unsubscribe"/>).</summary>
    void Subscribe(RoomCode room);

    /// <summary>Stops receiving messages for <paramref name="room"/>.</summary>
    void Unsubscribe(RoomCode room);

    /// <summary>
    /// Sends <paramref name="message"/> to every other node subscribed to <paramref name="room"/> (never back to this node).
    /// Best effort and non-blocking: copies what it keeps, never throws for an unreachable bus (logs instead).
    /// </summary>
    void Publish(RoomCode room, in RoomBusMessage message);
}
