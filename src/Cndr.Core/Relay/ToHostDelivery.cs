using System.Buffers;
using System.Runtime.CompilerServices;
using Cndr.Core.Diagnostics;
using Cndr.Core.Protocol;
using Cndr.Core.Store;
using Microsoft.Extensions.Logging;

namespace Cndr.Core.Relay;

/// <summary>
/// <c>message_to_host</c> from sender to host: straight to a local host when nothing is queued, else through the
/// room's bounded store queue, which a drain empties into the host's connection in order. The per-room state is
/// the room's <see cref="ToHostQueue"/>; this class does the store and connection work. One per node.
/// </summary>
/// <remarks>
/// An acked message is delivered or still queued: the drain reads entries without removing them, writes only what
/// the host's outbound queue can take (<see cref="RelayOptions.ToHostDrainBytes"/>), and removes from the store
/// just the entries written to the host's connection; a direct send that finds the connection closed queues the
/// message instead.
/// </remarks>
internal sealed class ToHostDelivery(IRelayStore store, IRoomBus bus, RelayOptions options, RelayCounters counters, ILogger logger)
{
    /// <summary>
    /// Sends or queues one message (<paramref name="raw"/>: the sender's <c>message</c> value) from
    /// <paramref name="session"/>. <see cref="EnqueueOutcome.Queued"/> means sent or queued.
    /// </summary>
    public ValueTask<EnqueueOutcome> SendAsync(ClientSession session, ReadOnlyMemory<byte> raw, long now)
    {
        var room = session.Room!;
        var host = room.ToHost.DirectHostOrBeginEnqueue();
        if (host is null)
        {
            return EnqueueAsync(session, room, raw, now);
        }

        var message = RelayEvents.ClientMessage(session.ClientIdJson, session.Role, raw.Span, now);
        var sent = host.Connection.Send(message);
        message.Release();
        if (!sent)
        {
            room.ToHost.BeginEnqueueAfterFailedSend();
            return EnqueueAsync(session, room, raw, now);
        }

        TouchActivity(room, now);
        return new(EnqueueOutcome.Queued);
    }

    // Host away (or on another node, or a drain still running): through the bounded store queue, in order.
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<EnqueueOutcome> EnqueueAsync(ClientSession session, LocalRoom room, ReadOnlyMemory<byte> raw, long now)
    {
        EnqueueOutcome outcome;
        var buffer = ArrayPool<byte>.Shared.Rent(RelayEvents.ClientMessageSize(session.ClientIdJson, raw.Length));
        try
        {
            var n = RelayEvents.WriteClientMessage(buffer, session.ClientIdJson, session.Role, raw.Span, now);
            outcome = await store.EnqueueToHostAsync(session.Code, buffer.AsMemory(0, n), options.ToHostQueueLimit, now).ConfigureAwait(false);
            if (outcome == EnqueueOutcome.Queued)
            {
                counters.Queued();
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
            room.ToHost.EnqueueEnded();
        }

        if (outcome == EnqueueOutcome.Queued && !store.EnqueueNotifies)
        {
            bus.Publish(session.Code, new RoomBusMessage(RoomBusKind.ToHostQueued, RoomRecipients.Host, null, default));
        }

        RequestDrain(room);
        return outcome;
    }

    /// <summary>Starts draining the room's store queue to its local host unless a drain is already running.</summary>
    public void RequestDrain(LocalRoom room)
    {
        if (room.ToHost.RequestDrain())
        {
            _ = DrainAsync(room);
        }
    }

    /// <summary>
    /// The store's notification that the room's queue went from empty to holding <paramref name="entry"/>, numbered
    /// <paramref name="seq"/> (empty entry: an older store or a drain's re-notification, which carry none). When that entry
    /// is the next one for the local host and no drain runs, it is written straight away and acknowledged in the background
    /// (no read of the queue: one round trip on this node per message instead of two); otherwise a drain is requested.
    /// </summary>
    public void OnQueued(LocalRoom room, long seq, ReadOnlyMemory<byte> entry)
    {
        if (entry.IsEmpty || !store.EnqueueNotifies || room.ToHost.TryBeginNotifiedWrite(seq) is not { } host)
        {
            RequestDrain(room);
            return;
        }

        DrainPass pass;
        try
        {
            pass = WriteNotified(room, host, seq, entry);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            RelayLog.StoreUnavailable(logger, ex, "to-host drain");
            pass = DrainPass.More; // the drain reads the queue: the entry stays there until acknowledged
        }

        if (room.ToHost.EndPass(pass))
        {
            _ = DrainAsync(room);
        }
    }

    // The entry is the queue's oldest, unwritten (ToHostQueue.TryBeginNotifiedWrite): write it if the host's outbound budget
    // takes it, then acknowledge it by its number (removes it and nothing else, even if it is acknowledged twice).
    private DrainPass WriteNotified(LocalRoom room, ClientSession host, long seq, ReadOnlyMemory<byte> entry)
    {
        var connection = host.Connection;
        if (options.ToHostDrainBytes - connection.QueuedBytes < entry.Length && connection.QueuedBytes > 0)
        {
            return DrainPass.More; // the drain's budget rules decide when it goes
        }

        var message = RelayEvents.ClientMessage(entry.Span);
        var ok = connection.Send(message);
        message.Release();
        if (!ok)
        {
            return DrainPass.HostGone; // stays queued for the next host
        }

        counters.DeliveredToHost(1);
        room.ToHost.Written(seq, 1);
        store.AckToHostInBackground(room.Code, connection.Id, 1, seq);
        return DrainPass.Empty;
    }

    private async Task DrainAsync(LocalRoom room)
    {
        var written = new WrittenEntries();
        try
        {
            DrainPass pass;
            do
            {
                room.ToHost.BeginPass();
                pass = await DrainPassAsync(room, written).ConfigureAwait(false);
            }
            while (room.ToHost.EndPass(pass));

            // Stopped after writing (the host left): what was written leaves the store now, as after every write.
            await AckAsync(room, written).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            RelayLog.StoreUnavailable(logger, ex, "to-host drain");
            room.ToHost.DrainFailed();
            _ = RetryDrainAsync(room);
        }
    }

    // A drain that failed is tried again later while the room has a local host (enqueues notify only an empty queue).
    private async Task RetryDrainAsync(LocalRoom room)
    {
        await Task.Delay(options.ToHostDrainRetryMs).ConfigureAwait(false);
        RequestDrain(room);
    }

    /// <summary>
    /// Writes what the host can take now, oldest first. The entries written leave the store with the next pass's read (one
    /// round trip per batch: acknowledge the last batch, read the next); a drain ends on reading the queue empty, or (stores
    /// that notify) after a batch that was all the queue held, whose acknowledgement then goes in the background.
    /// </summary>
    private async Task<DrainPass> DrainPassAsync(LocalRoom room, WrittenEntries written)
    {
        if (room.Host is not { } host)
        {
            return DrainPass.HostGone;
        }

        var connection = host.Connection;
        if (written.Count > 0 && written.ConnectionId != connection.Id)
        {
            // Written to a host that has since been replaced here: acknowledged as that connection (which the store refuses
            // if it is no longer the room's host, leaving them for the new one).
            await AckAsync(room, written).ConfigureAwait(false);
        }

        var budget = options.ToHostDrainBytes - connection.QueuedBytes;
        if (budget <= 0)
        {
            await AckAsync(room, written).ConfigureAwait(false);
            await Task.Delay(options.ToHostDrainWaitMs).ConfigureAwait(false);
            return DrainPass.More;
        }

        var acked = written.Count;
        var batch = await store.AckAndPeekToHostAsync(room.Code, connection.Id, acked, options.ToHostDrainBatch, (int)budget).ConfigureAwait(false);
        written.Count = 0;
        if (batch.Removed < acked)
        {
            return DrainPass.HostGone; // no longer the room's host: its entries stay for the new one
        }

        var entries = batch.Entries;
        if (entries.Count == 0)
        {
            return DrainPass.Empty;
        }

        if (entries[0].Length > budget && connection.QueuedBytes > 0)
        {
            // One entry larger than the budget goes alone, into an empty outbound queue.
            await Task.Delay(options.ToHostDrainWaitMs).ConfigureAwait(false);
            return DrainPass.More;
        }

        var sent = 0;
        foreach (var e in entries)
        {
            var message = RelayEvents.ClientMessage(e.Span);
            var ok = connection.Send(message);
            message.Release();
            if (!ok)
            {
                break;
            }

            sent++;
        }

        written.ConnectionId = connection.Id;
        written.Count = sent;
        counters.DeliveredToHost(sent);
        room.ToHost.Written(batch.FirstSeq, sent);
        if (sent < entries.Count)
        {
            await AckAsync(room, written).ConfigureAwait(false);
            return DrainPass.HostGone;
        }

        if (!batch.More && store.EnqueueNotifies)
        {
            // The queue held no more than this: the last acknowledgement goes without a round trip, and the store notifies
            // again if entries were pushed meanwhile (their enqueue found the queue non-empty and notified nobody).
            written.Count = 0;
            store.AckToHostInBackground(room.Code, connection.Id, sent, batch.FirstSeq > 0 ? batch.FirstSeq + sent - 1 : 0);
            return DrainPass.Empty;
        }

        return DrainPass.More;
    }

    private async Task AckAsync(LocalRoom room, WrittenEntries written)
    {
        if (written.Count > 0)
        {
            var count = written.Count;
            written.Count = 0;
            await store.AckToHostAsync(room.Code, written.ConnectionId!, count).ConfigureAwait(false);
        }
    }

    private void TouchActivity(LocalRoom room, long now)
    {
        if (now - Volatile.Read(ref room.LastTouchMs) < options.ActivityTouchIntervalMs)
        {
            return;
        }

        Volatile.Write(ref room.LastTouchMs, now);
        store.TouchActivity(room.Code, now);
    }

    /// <summary>Entries a drain has written to the host's connection and not yet removed from the store.</summary>
    private sealed class WrittenEntries
    {
        public string? ConnectionId;
        public int Count;
    }
}
