namespace Cndr.Core.Store;

/// <summary>Receives the bus messages for the rooms a node subscribed to.</summary>
public interface IRoomBusListener
{
    /// <summary>
    /// A message published by another node for <paramref name="room"/>. Must not block; the packet memory is valid
    /// only during the call. May be called on any thread, concurrently for different rooms.
    /// </summary>
    void OnBusMessage(RoomCode room, in RoomBusMessage message);

    /// <summary>
    /// Messages may have been lost for any subscribed room (the subscription connection came back, or the node's incoming
    /// queue was full and dropped some): re-read what the local clients must not miss. Must not block.
    /// </summary>
    void OnBusGap()
    {
    }
}
