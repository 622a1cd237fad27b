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

        RelayJson.SendOnce(host.Connection, RelayEvents.ClientMessage(session.ClientIdJson, session.Role, raw.Span, now));
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

        if (outcome == EnqueueOutcome.Queued)
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

    private async Task DrainAsync(LocalRoom room)
    {
        try
        {
            int count;
            do
            {
                room.ToHost.BeginPass();
                var entries = await store.DrainToHostAsync(room.Code, options.ToHostDrainBatch).ConfigureAwait(false);
                count = entries.Count;
                if (count > 0)
                {
                    if (room.Host is { } host)
                    {
                        foreach (var e in entries)
                        {
                            RelayJson.SendOnce(host.Connection, RelayEvents.ClientMessage(e.Span));
                        }

                        counters.DeliveredToHost(count);
                    }
                    else
                    {
                        RelayLog.DrainDropped(logger, room.Code.ToString(), count);
                    }
                }
            }
            while (room.ToHost.EndPass(count));
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            RelayLog.StoreUnavailable(logger, ex, "to-host drain");
            room.ToHost.DrainFailed();
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
}
