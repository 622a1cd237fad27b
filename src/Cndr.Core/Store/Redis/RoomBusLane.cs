using System.Buffers;
using Cndr.Transport.Internal;

namespace Cndr.Core.Store.Redis;

/// <summary>
/// Where <see cref="RedisFastSubscriber"/> hands bus messages in a burst, so that one reader thread does not cap a node's
/// cross-node fan-out: a bounded FIFO of copied messages (pooled arrays) worked off by one thread-pool work item at a time
/// (the lane itself: no allocation per hand-off). Rooms are spread over the lanes by code; a room's messages keep their
/// order because the reader delivers one inline only while the room's lane <see cref="IsIdle">is idle</see> (nothing of it
/// queued or being delivered), and otherwise queues it behind the others.
/// </summary>
internal sealed class RoomBusLane(Action<RoomCode, ReadOnlyMemory<byte>> deliver, Action<Exception> failed, Action drainedAfterDrop, int capacity)
    : IThreadPoolWorkItem
{
    private readonly Queue<(RoomCode Room, byte[] Buffer, int Length)> _queue = new();
    private readonly Lock _lock = new();

    // Guarded by _lock: messages queued or being delivered, whether a work item is scheduled, whether some were dropped.
    private int _pending;
    private bool _scheduled;
    private bool _dropped;

    /// <summary>Nothing queued and nothing being delivered: a message may be delivered inline without passing one of its room.</summary>
    public bool IsIdle
    {
        get
        {
            lock (_lock)
            {
                return _pending == 0;
            }
        }
    }

    /// <summary>Queues a copy of <paramref name="payload"/>; false when the lane is full (dropped: a gap is reported once it is drained).</summary>
    public bool TryEnqueue(RoomCode room, ReadOnlySpan<byte> payload)
    {
        bool schedule;
        lock (_lock)
        {
            if (_pending >= capacity)
            {
                _dropped = true;
                return false;
            }

            var buffer = ArrayPool<byte>.Shared.Rent(payload.Length);
            payload.CopyTo(buffer);
            _queue.Enqueue((room, buffer, payload.Length));
            _pending++;
            schedule = !_scheduled;
            _scheduled = true;
        }

        if (schedule)
        {
            ThreadPool.UnsafeQueueUserWorkItem(this, preferLocal: false);
        }

        return true;
    }

    /// <summary>Messages delivered in one <see cref="WriteBatch"/> at most (their sends to one member leave together).</summary>
    private const int BatchMessages = 16;

    public void Execute()
    {
        using (WriteBatch.Begin())
        {
            ExecuteBatches();
        }
    }

    // Delivers until the queue is empty; every BatchMessages messages the batch closes (what it queued leaves) and a new one opens.
    private void ExecuteBatches()
    {
        for (var inBatch = 0; ; inBatch++)
        {
            if (inBatch == BatchMessages)
            {
                WriteBatch.Close();
                WriteBatch.Open();
                inBatch = 0;
            }

            (RoomCode Room, byte[] Buffer, int Length) item;
            lock (_lock)
            {
                if (!_queue.TryDequeue(out item))
                {
                    _scheduled = false;
                    if (!_dropped)
                    {
                        return;
                    }

                    _dropped = false;
                }
            }

            if (item.Buffer is null)
            {
                // Dropped some while full, now drained: what is current is re-read.
                drainedAfterDrop();
                return;
            }

            try
            {
                deliver(item.Room, item.Buffer.AsMemory(0, item.Length));
            }
            catch (Exception ex)
            {
                failed(ex);
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(item.Buffer);
                lock (_lock)
                {
                    _pending--;
                }
            }
        }
    }
}
