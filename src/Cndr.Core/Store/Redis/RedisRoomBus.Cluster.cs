using System.Collections.Concurrent;
using System.Net;
using StackExchange.Redis;

namespace Cndr.Core.Store.Redis;

/// <summary>
/// Slot moves in a Redis Cluster (resharding). While a room's slot migrates, a script sent to the importing master by
/// <c>ASK</c> publishes there, where no node is subscribed yet; when the move completes, the old master drops its
/// shard-channel subscribers (an unsolicited <c>SUNSUBSCRIBE</c>) and StackExchange.Redis subscribes again on the new one,
/// following <c>MOVED</c>. Whatever was published in between is lost — a game state (the next rev would reveal it, but not
/// the last one) or a to-host notification (an enqueue notifies only an empty queue: one lost leaves the queue undrained).
/// So once the multiplexer has learnt of a move (<see cref="IConnectionMultiplexer.HashSlotMoved"/>, raised by the first
/// <c>MOVED</c> it meets for the slot) and this node's subscriptions in that slot are on the new master, the bus reports a
/// gap: the relay re-reads its rooms and drains their to-host queues.
/// </summary>
public sealed partial class RedisRoomBus
{
    /// <summary>How long a reported move waits for the room subscriptions of its slot to reach the new master.</summary>
    private static readonly TimeSpan s_slotFollowTimeout = TimeSpan.FromSeconds(5);

    private readonly ConcurrentDictionary<int, EndPoint> _movedSlots = new();
    private int _slotWorker;

    /// <summary>Gaps reported because a slot holding subscribed rooms moved to another master.</summary>
    public long SlotMoveGapCount => Interlocked.Read(ref _slotMoveGaps);

    private long _slotMoveGaps;

    private void OnHashSlotMoved(object? sender, HashSlotMovedEventArgs e)
    {
        // On a library worker: record and hand off. One worker at a time handles every recorded move.
        _movedSlots[e.HashSlot] = e.NewEndPoint;
        if (Interlocked.CompareExchange(ref _slotWorker, 1, 0) == 0)
        {
            _ = Task.Run(FollowMovedSlotsAsync);
        }
    }

    private async Task FollowMovedSlotsAsync()
    {
        while (true)
        {
            var moved = new Dictionary<int, EndPoint>();
            foreach (var slot in _movedSlots.Keys)
            {
                if (_movedSlots.TryRemove(slot, out var endpoint))
                {
                    moved[slot] = endpoint;
                }
            }

            if (moved.Count > 0 && await WaitForSubscriptionsAsync(moved).ConfigureAwait(false))
            {
                Interlocked.Increment(ref _slotMoveGaps);
                ReportGap();
            }

            Volatile.Write(ref _slotWorker, 0);
            if (_movedSlots.IsEmpty || Interlocked.CompareExchange(ref _slotWorker, 1, 0) != 0)
            {
                return;
            }
        }
    }

    /// <summary>
    /// Waits (bounded) until every subscribed room in a <paramref name="moved"/> slot is subscribed on the slot's new master;
    /// true if this node holds any room there (then a gap is due, whether or not the wait ended in time).
    /// </summary>
    private async Task<bool> WaitForSubscriptionsAsync(Dictionary<int, EndPoint> moved)
    {
        var deadline = DateTime.UtcNow + s_slotFollowTimeout;
        while (true)
        {
            var any = false;
            var pending = false;
            lock (_gate)
            {
                if (_disposed)
                {
                    return false;
                }

                foreach (var room in _subscriptions.Keys)
                {
                    var channel = _keys.For(room).Updates;
                    if (moved.TryGetValue(_connection.Multiplexer.HashSlot((string)channel!), out var endpoint))
                    {
                        any = true;
                        pending |= !endpoint.Equals(_subscriber.SubscribedEndpoint(channel));
                    }
                }
            }

            if (!pending || DateTime.UtcNow > deadline)
            {
                return any;
            }

            await Task.Delay(25).ConfigureAwait(false);
        }
    }
}
