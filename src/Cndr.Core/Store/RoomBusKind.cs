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
