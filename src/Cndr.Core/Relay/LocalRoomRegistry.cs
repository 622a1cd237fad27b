using System.Collections.Concurrent;
using Cndr.Core.Store;

namespace Cndr.Core.Relay;

/// <summary>
/// The rooms that have local connections. A room is created on its first local member and removed with its last,
/// subscribing/unsubscribing the node to the room on the bus.
/// </summary>
internal sealed class LocalRoomRegistry(IRoomBus bus)
{
    private readonly ConcurrentDictionary<RoomCode, LocalRoom> _rooms = new();

    public int Count => _rooms.Count;

    /// <summary>The rooms with local connections (a live view; for stats and drain).</summary>
    public ICollection<LocalRoom> All => _rooms.Values;

    public bool TryGet(RoomCode code, out LocalRoom room) => _rooms.TryGetValue(code, out room!);

    /// <summary>Takes one reference on the room, creating it (and subscribing to it) when needed.</summary>
    public LocalRoom Acquire(RoomCode code)
    {
        while (true)
        {
            var room = _rooms.GetOrAdd(code, static c => new LocalRoom(c));
            lock (room.Gate)
            {
                if (room.Dead)
                {
                    continue;
                }

                if (room.Refs++ == 0)
                {
                    room.Subscribed = bus.Subscribe(code);
                }

                return room;
            }
        }
    }

    /// <summary>Gives up one reference; the last one removes the room and unsubscribes.</summary>
    public void Release(LocalRoom room)
    {
        lock (room.Gate)
        {
            if (--room.Refs > 0)
            {
                return;
            }

            room.Dead = true;
            _rooms.TryRemove(new KeyValuePair<RoomCode, LocalRoom>(room.Code, room));
            bus.Unsubscribe(room.Code);
        }
    }
}
