using System.Buffers;
using System.Buffers.Text;
using System.Runtime.CompilerServices;
using System.Text.Json;
using Cndr.Core.Protocol;
using Cndr.Core.Store;
using Cndr.Transport.SocketIO;

namespace Cndr.Core.Relay;

public sealed partial class RelayHandler
{
    /// <summary>A property's raw value inside an argument object.</summary>
    private struct Field
    {
        public bool Found;
        public int Start;
        public int Length;
        public JsonTokenType Type;
    }

    /// <summary>One pass over an object, locating up to two properties (last occurrence wins). False when unreadable.</summary>
    private static bool ScanFields(ReadOnlySpan<byte> obj, ReadOnlySpan<byte> name1, ReadOnlySpan<byte> name2, out Field f1, out Field f2)
    {
        f1 = default;
        f2 = default;
        try
        {
            var r = new Utf8JsonReader(obj);
            r.Read();
            while (r.Read() && r.TokenType == JsonTokenType.PropertyName)
            {
                var which = r.ValueTextEquals(name1) ? 1 : (!name2.IsEmpty && r.ValueTextEquals(name2)) ? 2 : 0;
                var (start, length, type) = JsonArgs.Value(ref r);
                if (which == 1)
                {
                    f1 = new Field { Found = true, Start = start, Length = length, Type = type };
                }
                else if (which == 2)
                {
                    f2 = new Field { Found = true, Start = start, Length = length, Type = type };
                }
            }

            return true;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    // ---- #4 set_game_state ----

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    private async ValueTask SetGameStateAsync(ClientSession session, SocketIOEvent evt, Arg arg)
    {
        if (arg.Kind != ArgKind.Object || !ScanFields(arg.Json.Span, "state"u8, default, out var state, out _) || !state.Found)
        {
            await Fail(session, evt, RelayCommand.SetGameState, ErrorCode.InvalidPayload).ConfigureAwait(false);
            return;
        }

        var raw = arg.Json.Slice(state.Start, state.Length);
        var r = await _store.SetGameStateAsync(session.Code, raw, NowMs).ConfigureAwait(false);
        if (r.Outcome != StateWriteOutcome.Written)
        {
            RelayJson.Fail(session.Connection, evt.AckId, ErrorCode.RoomNotFound, "set_game_state"u8);
            return;
        }

        // 42["game_state",{"state":<exact bytes received>,"rev":N}] — encoded once for every recipient.
        var m = RelayJson.StartEvent("game_state"u8, raw.Length + 40);
        m.Write("{\"state\":"u8);
        m.Write(raw.Span);
        m.Write(",\"rev\":"u8);
        m.WriteInt64(r.Rev);
        m.WriteByte((byte)'}');
        Deliver(session.Code, session.Room, RelayJson.EndEvent(m), RoomRecipients.Players | RoomRecipients.Audience);
        RelayJson.AckOkRev(session.Connection, evt.AckId, r.Rev);
    }

    // ---- #5 set_player_state ----

    private async ValueTask SetPlayerStateAsync(ClientSession session, SocketIOEvent evt, Arg arg)
    {
        if (arg.Kind != ArgKind.Object || !ScanFields(arg.Json.Span, "clientId"u8, "state"u8, out var idField, out var state)
            || !idField.Found || !state.Found || idField.Type != JsonTokenType.String)
        {
            RelayJson.Fail(session.Connection, evt.AckId, ErrorCode.InvalidPayload, "set_player_state"u8);
            return;
        }

        var clientId = ReadClientId(arg.Json.Span.Slice(idField.Start, idField.Length), session.Room);
        if (clientId is null)
        {
            RelayJson.Fail(session.Connection, evt.AckId, ErrorCode.InvalidPayload, "set_player_state"u8);
            return;
        }

        var raw = arg.Json.Slice(state.Start, state.Length);
        var r = await _store.SetPlayerStateAsync(session.Code, clientId, raw, NowMs).ConfigureAwait(false);
        if (r.Outcome != StateWriteOutcome.Written)
        {
            var code = r.Outcome == StateWriteOutcome.PlayerNotFound ? ErrorCode.PlayerNotFound : ErrorCode.RoomNotFound;
            RelayJson.Fail(session.Connection, evt.AckId, code, "set_player_state"u8);
            return;
        }

        if (r.PlayerConnectionId is not null)
        {
            var m = RelayJson.StartEvent("player_state"u8, raw.Length + 40);
            m.Write("{\"state\":"u8);
            m.Write(raw.Span);
            m.Write(",\"rev\":"u8);
            m.WriteInt64(r.Rev);
            m.WriteByte((byte)'}');
            RelayJson.EndEvent(m);
            var room = session.Room!;
            ClientSession? local;
            lock (room.Gate)
            {
                local = room.FindPlayer(clientId);
            }

            if (local is not null)
            {
                RelayJson.SendOnce(local.Connection, m);
            }
            else
            {
                Deliver(session.Code, null, m, RoomRecipients.Player, clientId);
            }
        }

        RelayJson.AckOkRev(session.Connection, evt.AckId, r.Rev);
    }

    // A JSON string holding a UUID v4 → lower-case string, else null.
    /// <summary>
    /// The clientId of a set_player_state, normalised to lower case. A player connected to this node lends its own
    /// string (no allocation on the hot path); any other id is materialised once.
    /// </summary>
    private static string? ReadClientId(ReadOnlySpan<byte> json, LocalRoom? room)
    {
        var r = new Utf8JsonReader(json);
        r.Read();
        Span<byte> buf = stackalloc byte[36];
        if (!JsonArgs.TryCopyString(ref r, buf, out var n) || n != 36 || !Ids.IsUuidV4(buf))
        {
            return null;
        }

        for (var i = 0; i < 36; i++)
        {
            if (buf[i] is >= (byte)'A' and <= (byte)'F')
            {
                buf[i] = (byte)(buf[i] + 32);
            }
        }

        if (room is not null)
        {
            Span<char> chars = stackalloc char[36];
            for (var i = 0; i < 36; i++)
            {
                chars[i] = (char)buf[i];
            }

            lock (room.Gate)
            {
                if (room.FindPlayer(chars) is { } local)
                {
                    return local.ClientId;
                }
            }
        }

        return System.Text.Encoding.ASCII.GetString(buf);
    }

    // ---- #6 message_to_host ----

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    private async ValueTask MessageToHostAsync(ClientSession session, SocketIOEvent evt, Arg arg)
    {
        if (arg.Kind != ArgKind.Object || !ScanFields(arg.Json.Span, "message"u8, default, out var message, out _) || !message.Found)
        {
            RelayJson.Fail(session.Connection, evt.AckId, ErrorCode.InvalidPayload, "message_to_host"u8);
            return;
        }

        var raw = arg.Json.Slice(message.Start, message.Length);
        var now = NowMs;
        var room = session.Room!;
        ClientSession? host;
        bool direct;
        lock (room.Gate)
        {
            host = room.Host;
            direct = host is not null && !room.QueueMode;
            if (!direct)
            {
                room.PendingEnqueues++;
            }
        }

        if (direct)
        {
            var size = EntrySize(session, raw.Length);
            var m = RelayJson.StartEvent("client_message"u8, size);
            var n = WriteEntry(m.GetSpan(size), session, raw.Span, now);
            m.Advance(n);
            RelayJson.SendOnce(host!.Connection, RelayJson.EndEvent(m));
            TouchActivity(room, now);
            RelayJson.AckOk(session.Connection, evt.AckId);
            return;
        }

        // Host away (or on another node, or a drain still running): through the bounded store queue, in order.
        EnqueueOutcome outcome;
        var buffer = ArrayPool<byte>.Shared.Rent(EntrySize(session, raw.Length));
        try
        {
            var n = WriteEntry(buffer, session, raw.Span, now);
            outcome = await _store.EnqueueToHostAsync(session.Code, buffer.AsMemory(0, n), _options.ToHostQueueLimit, now).ConfigureAwait(false);
            if (outcome == EnqueueOutcome.Queued)
            {
                _counters.Queued();
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
            lock (room.Gate)
            {
                room.PendingEnqueues--;
            }
        }

        if (outcome == EnqueueOutcome.Queued)
        {
            _bus.Publish(session.Code, new RoomBusMessage(RoomBusKind.ToHostQueued, RoomRecipients.Host, null, default));
        }

        RequestDrain(room);
        switch (outcome)
        {
            case EnqueueOutcome.Queued:
                RelayJson.AckOk(session.Connection, evt.AckId);
                break;
            case EnqueueOutcome.QueueFull:
                RelayJson.Fail(session.Connection, evt.AckId, ErrorCode.QueueFull, "message_to_host"u8);
                break;
            default:
                RelayJson.Fail(session.Connection, evt.AckId, ErrorCode.RoomNotFound, "message_to_host"u8);
                break;
        }
    }

    private static int EntrySize(ClientSession session, int rawLength) => rawLength + session.ClientIdJson.Length + 96;

    /// <summary>Writes <c>{"clientId":..,"role":..,"message":&lt;raw&gt;,"timestamp":ms}</c>; returns the length.</summary>
    private static int WriteEntry(Span<byte> dest, ClientSession session, ReadOnlySpan<byte> raw, long timestamp)
    {
        var n = Put(dest, 0, "{\"clientId\":"u8);
        n = Put(dest, n, session.ClientIdJson);
        n = Put(dest, n, session.Role == ClientRole.Player ? ",\"role\":\"player\",\"message\":"u8 : ",\"role\":\"audience\",\"message\":"u8);
        n = Put(dest, n, raw);
        n = Put(dest, n, ",\"timestamp\":"u8);
        Utf8Formatter.TryFormat(timestamp, dest[n..], out var w);
        n += w;
        dest[n++] = (byte)'}';
        return n;
    }

    private static int Put(Span<byte> dest, int at, ReadOnlySpan<byte> value)
    {
        value.CopyTo(dest[at..]);
        return at + value.Length;
    }

    private void TouchActivity(LocalRoom room, long now)
    {
        if (now - Volatile.Read(ref room.LastTouchMs) < _options.ActivityTouchIntervalMs)
        {
            return;
        }

        Volatile.Write(ref room.LastTouchMs, now);
        _store.TouchActivity(room.Code, now);
    }

    /// <summary>Starts draining the room's to-host queue to the local host unless a drain is already running.</summary>
    private void RequestDrain(LocalRoom room)
    {
        lock (room.Gate)
        {
            room.DrainRequested = true;
            if (room.Draining || room.Host is null || room.Dead)
            {
                return;
            }

            room.Draining = true;
        }

        _ = DrainAsync(room);
    }

    private async Task DrainAsync(LocalRoom room)
    {
        try
        {
            while (true)
            {
                lock (room.Gate)
                {
                    room.DrainRequested = false;
                }

                var entries = await _store.DrainToHostAsync(room.Code, _options.ToHostDrainBatch).ConfigureAwait(false);
                var host = room.Host;
                if (entries.Count > 0)
                {
                    if (host is null)
                    {
                        Log.DrainDropped(_logger, room.Code.ToString(), entries.Count);
                    }
                    else
                    {
                        foreach (var e in entries)
                        {
                            RelayJson.SendOnce(host.Connection, RelayJson.Event("client_message"u8, e.Span));
                        }

                        _counters.DeliveredToHost(entries.Count);
                    }
                }

                lock (room.Gate)
                {
                    if (room.Host is null)
                    {
                        room.Draining = false;
                        return;
                    }

                    if (entries.Count == 0 && !room.DrainRequested)
                    {
                        // Empty and nothing in flight: later messages may go to the host directly, still in order.
                        room.Draining = false;
                        if (room.PendingEnqueues == 0)
                        {
                            room.QueueMode = false;
                        }

                        return;
                    }
                }
            }
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            Log.StoreUnavailable(_logger, ex, "to-host drain");
            lock (room.Gate)
            {
                room.Draining = false;
            }
        }
    }

    // ---- #7 leave ----

    private async ValueTask LeaveAsync(ClientSession session, SocketIOEvent evt, Arg arg)
    {
        if (arg.Kind == ArgKind.Other)
        {
            RelayJson.Fail(session.Connection, evt.AckId, ErrorCode.InvalidPayload, "leave"u8);
            return;
        }

        var now = NowMs;
        var connectionId = session.Connection.Id;
        var outcome = session.Role == ClientRole.Player
            ? await _store.LeavePlayerAsync(session.Code, session.ClientId, connectionId, now).ConfigureAwait(false)
            : await _store.RemoveAudienceAsync(session.Code, connectionId, now).ConfigureAwait(false);
        session.Detached = true;
        var room = session.Room!;
        lock (room.Gate)
        {
            _ = session.Role == ClientRole.Player ? room.RemovePlayer(session) : room.RemoveAudience(session);
        }

        if (outcome == ConnectionEndOutcome.Done)
        {
            Deliver(session.Code, room, ClientLeft(session, "left"u8), RoomRecipients.Host);
        }

        RelayJson.AckOk(session.Connection, evt.AckId);
        session.Connection.Disconnect();
    }

    private static Cndr.Transport.OutboundMessage ClientLeft(ClientSession session, ReadOnlySpan<byte> reason)
    {
        var m = RelayJson.StartEvent("client_left"u8, 128);
        m.Write("{\"clientId\":"u8);
        m.Write(session.ClientIdJson);
        m.Write(",\"role\":\""u8);
        m.Write(RoleName(session.Role));
        m.Write("\",\"reason\":\""u8);
        m.Write(reason);
        m.Write("\"}"u8);
        return RelayJson.EndEvent(m);
    }

    // ---- Disconnects ----

    private async Task EndSessionAsync(ClientSession session)
    {
        var room = session.Room;
        var stillLocal = true;
        if (room is not null)
        {
            lock (room.Gate)
            {
                stillLocal = session.Role switch
                {
                    ClientRole.Host => room.RemoveHost(session),
                    ClientRole.Player => room.RemovePlayer(session),
                    _ => room.RemoveAudience(session),
                };
            }
        }

        try
        {
            if (session.Detached || !stillLocal)
            {
                return;
            }

            var now = NowMs;
            var id = session.Connection.Id;
            switch (session.Role)
            {
                case ClientRole.Host:
                    if (await _store.ReleaseHostAsync(session.Code, id, now).ConfigureAwait(false) == ConnectionEndOutcome.Done && room is not null)
                    {
                        Deliver(session.Code, room, RelayJson.Event("host_disconnected"u8, "{}"u8), RoomRecipients.Players | RoomRecipients.Audience);
                    }

                    break;
                case ClientRole.Player:
                    if (await _store.DisconnectPlayerAsync(session.Code, session.ClientId, id, now).ConfigureAwait(false) == ConnectionEndOutcome.Done && room is not null)
                    {
                        var m = RelayJson.StartEvent("client_disconnected"u8, 96);
                        m.Write("{\"clientId\":"u8);
                        m.Write(session.ClientIdJson);
                        m.Write(",\"role\":\"player\"}"u8);
                        Deliver(session.Code, room, RelayJson.EndEvent(m), RoomRecipients.Host);
                    }

                    break;
                default:
                    if (await _store.RemoveAudienceAsync(session.Code, id, now).ConfigureAwait(false) == ConnectionEndOutcome.Done && room is not null)
                    {
                        Deliver(session.Code, room, ClientLeft(session, "disconnected"u8), RoomRecipients.Host);
                    }

                    break;
            }
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            Log.StoreUnavailable(_logger, ex, "disconnect");
        }
        finally
        {
            if (room is not null)
            {
                _rooms.Release(room);
            }

            Interlocked.Decrement(ref _endingSessions);
        }
    }

    // ---- #13 close_room ----

    private async ValueTask CloseRoomCommandAsync(ClientSession session, SocketIOEvent evt, Arg arg)
    {
        if (arg.Kind == ArgKind.Other)
        {
            RelayJson.Fail(session.Connection, evt.AckId, ErrorCode.InvalidPayload, "close_room"u8);
            return;
        }

        await _store.DeleteRoomAsync(session.Code).ConfigureAwait(false);
        RelayJson.AckOk(session.Connection, evt.AckId);
        CloseEverywhere(session.Code, RoomCloseReason.ClosedByHost);
    }

    /// <summary>
    /// Closes a room (admin API, inactivity cleanup): deletes every key, then sends <c>room_closed</c> to every
    /// connection of the room on every node and disconnects them. Returns false when the room did not exist
    /// (connections still present locally are closed anyway).
    /// </summary>
    public async Task<bool> CloseRoomAsync(RoomCode code, RoomCloseReason reason)
    {
        var existed = await _store.DeleteRoomAsync(code).ConfigureAwait(false);
        CloseEverywhere(code, reason);
        return existed;
    }

    private void CloseEverywhere(RoomCode code, RoomCloseReason reason)
    {
        Log.RoomClosed(_logger, "room_closed", code.ToString(), reason == RoomCloseReason.Inactive ? "inactive" : "closed_by_host");
        var packet = RelayJson.Event("room_closed"u8, reason == RoomCloseReason.Inactive ? "{\"reason\":\"inactive\"}"u8 : "{\"reason\":\"closed_by_host\"}"u8);
        _bus.Publish(code, new RoomBusMessage(RoomBusKind.RoomClosed, RoomRecipients.None, null, packet.Payload));
        if (_rooms.TryGet(code, out var room))
        {
            CloseLocal(room, packet);
        }

        packet.Release();
    }

    /// <summary>Sends <paramref name="packet"/> to every local connection of the room and disconnects them; they no longer touch the store.</summary>
    private static void CloseLocal(LocalRoom room, Cndr.Transport.OutboundMessage packet)
    {
        List<ClientSession> all;
        lock (room.Gate)
        {
            all = room.TakeAll();
        }

        foreach (var s in all)
        {
            s.Detached = true;
        }

        foreach (var s in all)
        {
            s.Connection.Send(packet);
            s.Connection.Disconnect();
        }
    }
}

/// <summary>Why a room is closed (<c>room_closed</c> reason).</summary>
public enum RoomCloseReason
{
    /// <summary><c>closed_by_host</c>: the host sent close_room (or the admin API closed it).</summary>
    ClosedByHost,
    /// <summary><c>inactive</c>: inactivity cleanup.</summary>
    Inactive,
}
