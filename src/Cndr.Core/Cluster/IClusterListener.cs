using Cndr.Core.Store;

namespace Cndr.Core.Cluster;

/// <summary>What node coordination asks of the relay on its node (implemented by the relay).</summary>
public interface IClusterListener
{
    /// <summary>
    /// The primary released a dead node's claims in a room (<see cref="IRelayStore.ReleaseNodeAsync"/>): tell the room's
    /// members on every node (<c>host_disconnected</c>, <c>client_disconnected</c>, <c>client_left</c>).
    /// </summary>
    void OnNodeReleased(NodeRelease release);

    /// <summary>The rooms this node has connections in (a snapshot).</summary>
    IReadOnlyList<RoomCode> LocalRooms();

    /// <summary>The room is gone from the store although this node serves it (Redis lost its data): close it here with <c>room_closed {reason:"lost"}</c>.</summary>
    void OnRoomLost(RoomCode code);
}
