using System.Collections.Concurrent;

namespace Cndr.Core.Store;

/// <summary>
/// Connects the in-process buses of several nodes living in one process (tests of multi-node behaviour over one
/// <see cref="EmbeddedRelayStore"/>). A single-node deployment uses one <see cref="InProcessRoomBus"/> on its own hub,
/// where <see cref="IRoomBus.Publish"/> finds no other node and costs one dictionary lookup.
/// </summary>
public sealed class InProcessRoomBusHub
{
    private readonly ConcurrentDictionary<RoomCode, InProcessRoomBus[]> _subscribers = new();
    private readonly Lock _gate = new();
    private long _published;

    /// <summary>Creates the bus of one node attached to this hub.</summary>
    public InProcessRoomBus CreateNode(string nodeId) => new(nodeId, this);

    internal void Subscribe(RoomCode room, InProcessRoomBus node)
    {
        lock (_gate)
        {
            var current = _subscribers.TryGetValue(room, out var a) ? a : [];
            if (Array.IndexOf(current, node) >= 0)
            {
                return;
            }

            _subscribers[room] = [.. current, node];
        }
    }

    internal void Unsubscribe(RoomCode room, InProcessRoomBus node)
    {
        lock (_gate)
        {
            if (!_subscribers.TryGetValue(room, out var current))
            {
                return;
            }

            var next = Array.FindAll(current, n => n != node);
            if (next.Length == 0)
            {
                _subscribers.TryRemove(room, out _);
            }
            else
            {
                _subscribers[room] = next;
            }
        }
    }

    /// <summary>Publications so far (tests: what went to other nodes).</summary>
    internal long PublishedCount => Interlocked.Read(ref _published);

    internal void Publish(RoomCode room, in RoomBusMessage message, InProcessRoomBus source)
    {
        Interlocked.Increment(ref _published);
        if (!_subscribers.TryGetValue(room, out var nodes))
        {
            return;
        }

        foreach (var node in nodes)
        {
            if (node != source)
            {
                // Synchronous delivery on the publisher's thread; the relay publishes outside its room locks.
                node.Deliver(room, message);
            }
        }
    }
}
