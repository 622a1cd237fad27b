using System.Buffers;
using System.Buffers.Text;
using System.Collections.Concurrent;
using Cndr.Transport.Http;
using Cndr.Transport.Internal;
using Cndr.Transport.SocketIO;
using Cndr.Transport.WebSockets;

namespace Cndr.Transport.EngineIO;

/// <summary>
/// Engine.IO v4 endpoint: handshake, long-polling, WebSocket, the polling→websocket upgrade and the heartbeat.
/// Register it on an <see cref="HttpServer"/> with <see cref="MapTo"/>.
/// </summary>
public sealed class EngineIOServer : IHttpHandler
{
    private const int SidBytes = 12; // 16 base64url characters

    private readonly ConcurrentDictionary<UInt128, EngineIOSession> _sessions = new();
    private readonly ConcurrentDictionary<System.Net.IPAddress, int> _pendingPerAddress = new();
    private readonly string _sidPrefix = "";
    private readonly byte[] _sidPrefixBytes = [];
    private readonly CorsPolicy _cors;

    public EngineIOServer(EngineIOOptions options, IEngineIOHandler handler)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(handler);
        Options = options;
        Handler = handler;
        _cors = new CorsPolicy(options.AllowedOrigins);
        if (options.SidPrefix.Length != 0)
        {
            if (!options.SidPrefix.All(char.IsAsciiLetterOrDigit))
            {
                throw new ArgumentException("SidPrefix is letters and digits only", nameof(options));
            }

            _sidPrefix = options.SidPrefix + ".";
            _sidPrefixBytes = System.Text.Encoding.ASCII.GetBytes(_sidPrefix);
        }
    }

    /// <summary>The options.</summary>
    public EngineIOOptions Options { get; }

    /// <summary>Live counters.</summary>
    public EngineIOCounters Counters { get; } = new();

    /// <summary>Open sessions.</summary>
    public int SessionCount => _sessions.Count;

    /// <summary>Raised when a handler callback throws (the connection is closed; the server goes on).</summary>
    public event Action<Exception>? HandlerFaulted;

    internal IEngineIOHandler Handler { get; }

    /// <summary>Routes <see cref="EngineIOOptions.Path"/> of <paramref name="server"/> to this endpoint.</summary>
    public void MapTo(HttpServer server)
    {
        ArgumentNullException.ThrowIfNull(server);
        server.Router.Map(null, Options.Path, this, Options.MaxPayload);
    }

    /// <summary>Closes every session (after flushing queued packets).</summary>
    public void CloseAll(DisconnectReason reason = DisconnectReason.ServerShutdown)
    {
        foreach (var s in _sessions.Values)
        {
            s.Close(reason, EngineIOSession.CloseKind.Graceful);
        }
    }

    internal void ReportHandlerFault(Exception ex) => HandlerFaulted?.Invoke(ex);

    internal void Remove(EngineIOSession session) => _sessions.TryRemove(new KeyValuePair<UInt128, EngineIOSession>(session.Key, session));

    /// <inheritdoc />
    public ValueTask HandleAsync(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var request = context.Request;
        var response = context.Response;
        if (request.Verb == HttpVerb.Options)
        {
            return _cors.WritePreflightAsync(context);
        }

        if (!_cors.Apply(context))
        {
            return response.SendAsync(403, HttpLiterals.ApplicationJson, EngineIOLiterals.Forbidden);
        }

        if (!request.TryGetQueryValue("EIO"u8, out var eio) || !eio.SequenceEqual("4"u8))
        {
            return response.SendAsync(400, HttpLiterals.ApplicationJson, EngineIOLiterals.BadProtocol);
        }

        request.TryGetQueryValue("transport"u8, out var transport);
        var isWebSocket = transport.SequenceEqual("websocket"u8);
        if (!(isWebSocket ? Options.AllowWebSocket : transport.SequenceEqual("polling"u8) && Options.AllowPolling))
        {
            return response.SendAsync(400, HttpLiterals.ApplicationJson, EngineIOLiterals.BadRequestTransport);
        }

        EngineIOSession? session = null;
        if (request.TryGetQueryValue("sid"u8, out var sid))
        {
            if (!TryStripSidPrefix(ref sid) || !TryParseSid(sid, out var key) || !_sessions.TryGetValue(key, out session))
            {
                return response.SendAsync(400, HttpLiterals.ApplicationJson, EngineIOLiterals.BadRequestSid);
            }

            if (session.IsExpired(MonotonicClock.NowMs))
            {
                session.Close(DisconnectReason.PingTimeout, EngineIOSession.CloseKind.Error);
                return response.SendAsync(400, HttpLiterals.ApplicationJson, EngineIOLiterals.BadRequestSid);
            }
        }

        if (isWebSocket)
        {
            if (!WebSocketHandshake.IsValidUpgradeRequest(request))
            {
                return response.SendAsync(400, HttpLiterals.ApplicationJson, EngineIOLiterals.BadRequest);
            }

            if (session is null && !TryTakePendingSlot(context.RemoteAddress))
            {
                return response.SendAsync(503, HttpLiterals.ApplicationJson, EngineIOLiterals.TooManyPending);
            }

            return RunWebSocketAsync(context, session);
        }

        if (session is null)
        {
            if (request.Verb != HttpVerb.Get)
            {
                return response.SendAsync(400, HttpLiterals.ApplicationJson, EngineIOLiterals.BadRequestMethod);
            }

            if (!TryTakePendingSlot(context.RemoteAddress))
            {
                return response.SendAsync(503, HttpLiterals.ApplicationJson, EngineIOLiterals.TooManyPending);
            }

            session = CreateSession(context, webSocket: null);
            OpenSession(session);
            return session.HandleGetAsync(context);
        }

        return request.Verb switch
        {
            HttpVerb.Get => session.HandleGetAsync(context),
            HttpVerb.Post => session.HandlePostAsync(context),
            _ => response.SendAsync(400, HttpLiterals.ApplicationJson, EngineIOLiterals.BadRequestMethod),
        };
    }

    /// <summary>
    /// Counts a new session against the caps on sessions not yet established (per node and per address); false
    /// when one is reached. The session gives its slot back once, on <see cref="EngineIOSession.MarkEstablished"/>
    /// or when it closes.
    /// </summary>
    private bool TryTakePendingSlot(System.Net.IPAddress? address)
    {
        var total = Interlocked.Increment(ref Counters._pendingSessions);
        if (Options.MaxPendingSessions > 0 && total > Options.MaxPendingSessions)
        {
            Interlocked.Decrement(ref Counters._pendingSessions);
            Interlocked.Increment(ref Counters._refusedSessions);
            return false;
        }

        if (address is not null && Options.MaxPendingSessionsPerAddress > 0
            && _pendingPerAddress.AddOrUpdate(address, 1, static (_, n) => n + 1) > Options.MaxPendingSessionsPerAddress)
        {
            ReleasePendingSlot(address);
            Interlocked.Increment(ref Counters._refusedSessions);
            return false;
        }

        return true;
    }

    internal void ReleasePendingSlot(System.Net.IPAddress? address)
    {
        Interlocked.Decrement(ref Counters._pendingSessions);
        if (address is null || Options.MaxPendingSessionsPerAddress <= 0)
        {
            return;
        }

        while (_pendingPerAddress.TryGetValue(address, out var n))
        {
            if (n <= 1 ? _pendingPerAddress.TryRemove(new KeyValuePair<System.Net.IPAddress, int>(address, n)) : _pendingPerAddress.TryUpdate(address, n - 1, n))
            {
                return;
            }
        }
    }

    private EngineIOSession CreateSession(HttpContext context, WebSocketChannel? webSocket)
    {
        Span<byte> raw = stackalloc byte[16];
        Span<byte> text = stackalloc byte[16];
        EngineIOSession session;
        while (true)
        {
            raw.Clear();
            SecureRandom.Fill(raw[..SidBytes]);
            Base64Url.EncodeToUtf8(raw[..SidBytes], text, out _, out _);
            var key = System.Buffers.Binary.BinaryPrimitives.ReadUInt128LittleEndian(raw);
            session = new EngineIOSession(this, _sidPrefix + System.Text.Encoding.ASCII.GetString(text), key, context.RemoteAddress);
            if (webSocket is not null)
            {
                session.AttachWebSocket(webSocket);
            }

            if (_sessions.TryAdd(key, session))
            {
                break;
            }
        }

        Interlocked.Increment(ref Counters._handshakes);
        return session;
    }

    private void OpenSession(EngineIOSession session)
    {
        session.Open();
        // Engine.IO v4 open packet; exactly these keys (the reference server sends no others).
        var open = OutboundMessage.Create(160);
        open.Write("0{\"sid\":\""u8);
        System.Text.Encoding.ASCII.GetBytes(session.Id, open.GetSpan(session.Id.Length));
        open.Advance(session.Id.Length);
        open.Write(session.IsWebSocket || !Options.AllowWebSocket ? "\",\"upgrades\":[],\"pingInterval\":"u8 : "\",\"upgrades\":[\"websocket\"],\"pingInterval\":"u8);
        open.WriteInt64(Options.PingInterval);
        open.Write(",\"pingTimeout\":"u8);
        open.WriteInt64(Options.PingTimeout);
        open.Write(",\"maxPayload\":"u8);
        open.WriteInt64(Options.MaxPayload);
        open.WriteByte((byte)'}');
        open.Complete();
        session.Send(open);
        open.Release();
        session.StartHeartbeat();
        try
        {
            Handler.OnOpen(session);
        }
        catch (Exception ex)
        {
            ReportHandlerFault(ex);
            session.Close(DisconnectReason.TransportError, EngineIOSession.CloseKind.Error);
        }
    }

    /// <summary>Removes <see cref="EngineIOOptions.SidPrefix"/> and its dot; false when a configured prefix is missing.</summary>
    private bool TryStripSidPrefix(ref ReadOnlySpan<byte> sid)
    {
        if (_sidPrefixBytes.Length == 0)
        {
            return true;
        }

        if (!sid.StartsWith(_sidPrefixBytes))
        {
            return false;
        }

        sid = sid[_sidPrefixBytes.Length..];
        return true;
    }

    internal static bool TryParseSid(ReadOnlySpan<byte> sid, out UInt128 key)
    {
        key = default;
        Span<byte> raw = stackalloc byte[16];
        raw.Clear();
        if (sid.Length != 16
            || Base64Url.DecodeFromUtf8(sid, raw, out var consumed, out var written) != System.Buffers.OperationStatus.Done
            || consumed != 16 || written != SidBytes)
        {
            return false;
        }

        key = System.Buffers.Binary.BinaryPrimitives.ReadUInt128LittleEndian(raw);
        return true;
    }

    private async ValueTask RunWebSocketAsync(HttpContext context, EngineIOSession? upgradeOf)
    {
        WebSocketHandshake.TryAccept(context);
        if (upgradeOf is not null)
        {
            await context.Response.FlushAsync().ConfigureAwait(false);
        }

        // A new session's 101 stays in the output: its open packet's flush sends both with one send().

        var channel = new WebSocketChannel(context.Connection, Options.MaxPayload, Counters);
        Interlocked.Increment(ref Counters._openWebSockets);
        EngineIOSession? session = null;
        try
        {
            if (upgradeOf is null)
            {
                // The pending slot was taken before the WebSocket handshake.
                session = CreateSession(context, channel);
                OpenSession(session);
            }
            else if (await RunProbeAsync(upgradeOf, channel).ConfigureAwait(false))
            {
                session = upgradeOf;
            }
            else
            {
                return;
            }

            // The HTTP loop stays suspended under this call for the whole WebSocket session: give back the request's
            // pooled head and header buffers now, so an idle WebSocket holds none (~1.5 KB each).
            context.Request.ReleaseBuffers();
            context.Connection.DirectSender?.ReadInline();
            await RunSessionLoopAsync(session, channel).ConfigureAwait(false);
        }
        finally
        {
            if (session is not null)
            {
                await session.DetachAsync(channel).ConfigureAwait(false);
            }

            channel.Release();
            Interlocked.Decrement(ref Counters._openWebSockets);
        }
    }

    private static async ValueTask RunSessionLoopAsync(EngineIOSession session, WebSocketChannel channel)
    {
        while (true)
        {
            var status = await channel.ReadAsync().ConfigureAwait(false);
            switch (status)
            {
                case WebSocketReadStatus.Message:
                    bool ok;
                    try
                    {
                        ok = await session.OnPacketAsync(channel.Message, channel.MessageIsBinary).ConfigureAwait(false);
                    }
                    catch (Exception)
                    {
                        session.Close(DisconnectReason.TransportError, EngineIOSession.CloseKind.Error, WebSocketConstants.CloseInternalError);
                        throw;
                    }

                    if (!ok)
                    {
                        session.Close(DisconnectReason.ParseError, EngineIOSession.CloseKind.Error, WebSocketConstants.CloseUnsupportedData);
                        return;
                    }

                    if (session.IsClosed && !session.IsWebSocket)
                    {
                        return;
                    }

                    break;
                case WebSocketReadStatus.Closed:
                    var code = channel.CloseStatus;
                    if (code == WebSocketConstants.CloseAbnormal)
                    {
                        session.Close(DisconnectReason.TransportClose, EngineIOSession.CloseKind.Abort);
                    }
                    else
                    {
                        // RFC 6455 §5.5.1: echo the status code.
                        session.Close(DisconnectReason.TransportClose, EngineIOSession.CloseKind.Graceful, code == WebSocketConstants.CloseNoStatus ? WebSocketConstants.CloseNormal : code);
                    }

                    return;
                default:
                    session.Close(channel.CloseStatus == WebSocketConstants.CloseMessageTooBig ? DisconnectReason.ParseError : DisconnectReason.TransportError, EngineIOSession.CloseKind.Error, channel.CloseStatus);
                    return;
            }
        }
    }

    /// <summary>Runs the upgrade probe (Engine.IO v4 §5): <c>2probe</c> → <c>3probe</c>, then <c>5</c>.</summary>
    private static async ValueTask<bool> RunProbeAsync(EngineIOSession session, WebSocketChannel channel)
    {
        if (!session.BeginUpgrade(channel))
        {
            await WriteCloseAsync(channel, WebSocketConstants.ClosePolicyViolation).ConfigureAwait(false);
            return false;
        }

        try
        {
            while (true)
            {
                var status = await channel.ReadAsync().ConfigureAwait(false);
                if (status != WebSocketReadStatus.Message || channel.MessageIsBinary)
                {
                    break;
                }

                var text = channel.Message.Span;
                if (text.SequenceEqual(EngineIOLiterals.ProbePing))
                {
                    channel.Output.Write(EngineIOLiterals.ProbeReplyFrame);
                    var flush = await channel.Output.FlushAsync().ConfigureAwait(false);
                    if (flush.IsCompleted || flush.IsCanceled)
                    {
                        break;
                    }

                    if (!session.OnProbe(channel))
                    {
                        break;
                    }
                }
                else if (text.Length == 1 && text[0] == (byte)'5')
                {
                    if (session.CompleteUpgrade(channel))
                    {
                        return true;
                    }

                    break;
                }
                else
                {
                    break;
                }
            }
        }
        catch (Exception)
        {
            // connection failed during the probe
        }

        session.AbortUpgrade(channel);
        await WriteCloseAsync(channel, WebSocketConstants.CloseNormal).ConfigureAwait(false);
        return false;
    }

    private static async ValueTask WriteCloseAsync(WebSocketChannel channel, ushort code)
    {
        try
        {
            channel.Output.Write(WebSocketFrameWriter.CloseFrame(code));
            await channel.Output.FlushAsync().ConfigureAwait(false);
        }
        catch (Exception)
        {
            // the peer is gone
        }
    }
}
