using System.Buffers;
using System.Text.Json;
using Cndr.Transport.EngineIO;
using Cndr.Transport.Internal;
using Cndr.Transport.WebSockets;

namespace Cndr.Transport.SocketIO;

/// <summary>
/// The Socket.IO side of one Engine.IO session: its namespaces, binary-packet reassembly and connect timeout.
/// Inbound packets arrive sequentially from the session's read loop (WebSocket) or POST (polling).
/// </summary>
internal sealed class SocketIOClient : ITimerTarget
{
    private readonly Lock _lock = new();
    private readonly List<SocketIOConnection> _connections = new(1);

    // BINARY_EVENT / BINARY_ACK being reassembled: a copy of the packet text and of each attachment.
    private byte[]? _pending;
    private int _pendingLength;
    private SocketIOPacket _pendingHeader;
    private List<byte[]>? _attachmentBuffers;
    private List<ReadOnlyMemory<byte>>? _attachments;
    private byte[]? _nameScratch;

    public SocketIOClient(SocketIOServer server, EngineIOSession session)
    {
        Server = server;
        Session = session;
    }

    public SocketIOServer Server { get; }

    public EngineIOSession Session { get; }

    public void StartConnectTimeout()
        => SharedTimer.Instance.Schedule(this, 0, MonotonicClock.NowMs + Session.Options.ConnectTimeout);

    void ITimerTarget.OnTimer(long token, long dueMs)
    {
        bool none;
        lock (_lock)
        {
            none = _connections.Count == 0;
        }

        if (none && !Session.IsClosed)
        {
            ThreadPool.UnsafeQueueUserWorkItem(static s => s.Close(DisconnectReason.TransportError, EngineIOSession.CloseKind.Error), Session, preferLocal: false);
        }
    }

    public ValueTask OnMessageAsync(ReadOnlyMemory<byte> data, bool binary)
    {
        if (binary)
        {
            if (_pending is null)
            {
                return ProtocolError();
            }

            var copy = ArrayPool<byte>.Shared.Rent(Math.Max(data.Length, 1));
            data.Span.CopyTo(copy);
            _attachmentBuffers!.Add(copy);
            _attachments!.Add(copy.AsMemory(0, data.Length));
            if (_attachments.Count < _pendingHeader.Attachments)
            {
                return default;
            }

            return DispatchBinaryAsync();
        }

        if (_pending is not null)
        {
            // Socket.IO: plain text while attachments are expected is a protocol error.
            return ProtocolError();
        }

        if (!SocketIOPacketParser.TryParse(data.Span, Session.Options.MaxAttachments, out var packet))
        {
            return ProtocolError();
        }

        if (packet.Type is SocketIOPacketType.BinaryEvent or SocketIOPacketType.BinaryAck)
        {
            _pending = ArrayPool<byte>.Shared.Rent(data.Length);
            data.Span.CopyTo(_pending);
            _pendingLength = data.Length;
            _pendingHeader = packet;
            _attachmentBuffers ??= [];
            _attachments ??= [];
            return default;
        }

        return DispatchAsync(data, packet, null);
    }

    private async ValueTask DispatchBinaryAsync()
    {
        try
        {
            await DispatchAsync(_pending.AsMemory(0, _pendingLength), _pendingHeader, _attachments).ConfigureAwait(false);
        }
        finally
        {
            ReleasePending();
        }
    }

    private void ReleasePending()
    {
        if (_pending is not null)
        {
            ArrayPool<byte>.Shared.Return(_pending);
            _pending = null;
        }

        if (_attachmentBuffers is not null)
        {
            foreach (var b in _attachmentBuffers)
            {
                ArrayPool<byte>.Shared.Return(b);
            }

            _attachmentBuffers.Clear();
            _attachments!.Clear();
        }
    }

    private ValueTask ProtocolError()
    {
        Session.Close(DisconnectReason.ParseError, EngineIOSession.CloseKind.Error, WebSocketConstants.ClosePolicyViolation);
        return default;
    }

    private SocketIOConnection? Find(ReadOnlySpan<byte> nsp)
    {
        lock (_lock)
        {
            foreach (var c in _connections)
            {
                if (c.Space.Matches(nsp))
                {
                    return c;
                }
            }
        }

        return null;
    }

    private ValueTask DispatchAsync(ReadOnlyMemory<byte> packet, SocketIOPacket header, IReadOnlyList<ReadOnlyMemory<byte>>? attachments)
    {
        var nsp = packet.Span.Slice(header.NamespaceStart, header.NamespaceLength);
        switch (header.Type)
        {
            case SocketIOPacketType.Connect:
                return ConnectAsync(packet, header);
            case SocketIOPacketType.Disconnect:
            {
                var conn = Find(nsp);
                if (conn is null)
                {
                    return ProtocolError();
                }

                Detach(conn, DisconnectReason.ClientNamespaceDisconnect);
                return default;
            }

            case SocketIOPacketType.Event:
            case SocketIOPacketType.BinaryEvent:
            {
                var conn = Find(nsp);
                if (conn is null)
                {
                    return ProtocolError();
                }

                var name = header.NameEscaped ? Unescape(packet, header) : packet.Slice(header.NameStart, header.NameLength);
                var evt = new SocketIOEvent(
                    name,
                    packet[header.PayloadStart..],
                    packet.Slice(header.ArgsStart, header.ArgsLength),
                    header.AckId,
                    attachments);
                return Guard(conn.Space.Handler.OnEventAsync(conn, evt));
            }

            default:
            {
                // ACK / BINARY_ACK for a server emit-with-ack.
                var conn = Find(nsp);
                if (conn is not null)
                {
                    Server.CompleteAck(header.AckId, conn, packet[header.PayloadStart..], attachments ?? (IReadOnlyList<ReadOnlyMemory<byte>>)[]);
                }

                return default;
            }
        }
    }

    private ValueTask Guard(ValueTask task)
    {
        if (task.IsCompletedSuccessfully)
        {
            return default;
        }

        return GuardAsync(task);
    }

    private async ValueTask GuardAsync(ValueTask task)
    {
        try
        {
            await task.ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            Server.Engine.ReportHandlerFault(ex);
            Session.Close(DisconnectReason.TransportError, EngineIOSession.CloseKind.Error, WebSocketConstants.CloseInternalError);
        }
    }

    private ReadOnlyMemory<byte> Unescape(ReadOnlyMemory<byte> packet, in SocketIOPacket header)
    {
        var quoted = packet.Span.Slice(header.NameStart - 1, header.NameLength + 2);
        if (_nameScratch is null || _nameScratch.Length < header.NameLength)
        {
            _nameScratch = new byte[Math.Max(64, header.NameLength)];
        }

        var reader = new Utf8JsonReader(quoted);
        reader.Read();
        var n = reader.CopyString(_nameScratch);
        return _nameScratch.AsMemory(0, n);
    }

    private async ValueTask ConnectAsync(ReadOnlyMemory<byte> packet, SocketIOPacket header)
    {
        var nspMemory = packet.Slice(header.NamespaceStart, header.NamespaceLength);
        var ns = Server.FindNamespace(nspMemory.Span);
        if (ns is null)
        {
            // Socket.IO v5: CONNECT_ERROR, namespace always followed by a comma.
            var err = OutboundMessage.Create(nspMemory.Length + 40);
            err.WriteByte((byte)'4');
            err.WriteByte((byte)'4');
            if (!nspMemory.IsEmpty && !(nspMemory.Length == 1 && nspMemory.Span[0] == (byte)'/'))
            {
                err.Write(nspMemory.Span);
                err.WriteByte((byte)',');
            }

            err.Write(SocketIOLiterals.InvalidNamespace);
            Session.Send(err);
            err.Release();
            return;
        }

        if (Find(nspMemory.Span) is not null)
        {
            // A second CONNECT on a joined namespace: the reference server closes the connection.
            await ProtocolError().ConfigureAwait(false);
            return;
        }

        var auth = packet[header.PayloadStart..];
        var conn = new SocketIOConnection(this, ns, SocketIOConnection.NewId());
        ConnectDecision decision;
        try
        {
            decision = await ns.Handler.OnConnectAsync(conn, auth).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            Server.Engine.ReportHandlerFault(ex);
            Session.Close(DisconnectReason.TransportError, EngineIOSession.CloseKind.Error, WebSocketConstants.CloseInternalError);
            return;
        }

        if (Session.IsClosed)
        {
            return;
        }

        var reply = OutboundMessage.Create(ns.NameBytes.Length + 48 + decision.ErrorJson.Length);
        reply.WriteByte((byte)'4');
        reply.WriteByte(decision.Accepted ? (byte)'0' : (byte)'4');
        if (!ns.IsRoot)
        {
            reply.Write(ns.NameBytes);
            reply.WriteByte((byte)',');
        }

        if (decision.Accepted)
        {
            reply.Write(SocketIOLiterals.ConnectSidPrefix);
            System.Text.Encoding.ASCII.GetBytes(conn.Id, reply.GetSpan(conn.Id.Length));
            reply.Advance(conn.Id.Length);
            reply.WriteByte((byte)'"');
            reply.WriteByte((byte)'}');
            lock (_lock)
            {
                _connections.Add(conn);
            }

            conn.MarkConnected();
        }
        else
        {
            reply.Write(decision.ErrorJson.Span);
        }

        if (!decision.Accepted)
        {
            Session.Send(reply);
            reply.Release();
            return;
        }

        // The CONNECT reply and what the handler sends on connecting leave together (one send, one polling payload).
        Session.Cork();
        try
        {
            Session.Send(reply);
            reply.Release();
            ns.Handler.OnConnected(conn);
        }
        catch (Exception ex)
        {
            Server.Engine.ReportHandlerFault(ex);
        }
        finally
        {
            Session.Uncork();
        }
    }

    /// <summary>Removes one namespace connection (client or server DISCONNECT) and tells its handler once.</summary>
    public void Detach(SocketIOConnection conn, DisconnectReason reason)
    {
        lock (_lock)
        {
            _connections.Remove(conn);
        }

        if (conn.TryMarkClosed())
        {
            try
            {
                conn.Space.Handler.OnDisconnected(conn, reason);
            }
            catch (Exception ex)
            {
                Server.Engine.ReportHandlerFault(ex);
            }
        }
    }

    /// <summary>The Engine.IO session closed: every namespace connection ends.</summary>
    public void OnClose(DisconnectReason reason)
    {
        SocketIOConnection[] all;
        lock (_lock)
        {
            all = [.. _connections];
            _connections.Clear();
        }

        foreach (var c in all)
        {
            if (c.TryMarkClosed())
            {
                try
                {
                    c.Space.Handler.OnDisconnected(c, reason);
                }
                catch (Exception ex)
                {
                    Server.Engine.ReportHandlerFault(ex);
                }
            }
        }
    }
}
