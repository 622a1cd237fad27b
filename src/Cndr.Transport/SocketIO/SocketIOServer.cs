using System.Collections.Concurrent;
using Cndr.Transport.EngineIO;
using Cndr.Transport.Http;
using Cndr.Transport.Internal;

namespace Cndr.Transport.SocketIO;

/// <summary>
/// Socket.IO v5 server over <see cref="EngineIOServer"/>: namespaces with their handlers, CONNECT /
/// CONNECT_ERROR, events and acks (both directions), binary attachments, DISCONNECT.
/// </summary>
public sealed class SocketIOServer : IEngineIOHandler, ITimerTarget
{
    private readonly List<SocketIONamespace> _namespaces = [];
    private readonly ConcurrentDictionary<long, PendingAck> _acks = new();
    private long _nextAckId;

    public SocketIOServer(EngineIOOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        Engine = new EngineIOServer(options, this);
    }

    /// <summary>The Engine.IO endpoint underneath.</summary>
    public EngineIOServer Engine { get; }

    /// <summary>Live transport counters.</summary>
    public EngineIOCounters Counters => Engine.Counters;

    /// <summary>Server-initiated acks still waiting.</summary>
    public int PendingAckCount => _acks.Count;

    /// <summary>Registers a namespace (e.g. <c>/</c>). Namespaces not registered are refused with "Invalid namespace".</summary>
    public void AddNamespace(string nsp, ISocketIOHandler handler)
    {
        ArgumentException.ThrowIfNullOrEmpty(nsp);
        ArgumentNullException.ThrowIfNull(handler);
        if (nsp[0] != '/')
        {
            throw new ArgumentException("a namespace starts with '/'", nameof(nsp));
        }

        lock (_namespaces)
        {
            if (_namespaces.Any(n => n.Name == nsp))
            {
                throw new InvalidOperationException($"namespace {nsp} is already registered");
            }

            _namespaces.Add(new SocketIONamespace(nsp, handler));
        }
    }

    /// <summary>Routes the Engine.IO path of <paramref name="server"/> (default <c>/socket.io/</c>) here.</summary>
    public void MapTo(HttpServer server) => Engine.MapTo(server);

    /// <summary>Closes every client (transport close after flushing).</summary>
    public void CloseAll() => Engine.CloseAll();

    internal SocketIONamespace? FindNamespace(ReadOnlySpan<byte> nsp)
    {
        var list = _namespaces;
        for (var i = 0; i < list.Count; i++)
        {
            if (list[i].Matches(nsp))
            {
                return list[i];
            }
        }

        return null;
    }

    void IEngineIOHandler.OnOpen(EngineIOSession session)
    {
        var client = new SocketIOClient(this, session);
        session.HandlerState = client;
        client.StartConnectTimeout();
    }

    ValueTask IEngineIOHandler.OnMessageAsync(EngineIOSession session, ReadOnlyMemory<byte> data, bool isBinary)
        => ((SocketIOClient)session.HandlerState!).OnMessageAsync(data, isBinary);

    void IEngineIOHandler.OnClose(EngineIOSession session, DisconnectReason reason)
        => (session.HandlerState as SocketIOClient)?.OnClose(reason);

    internal long RegisterAck(SocketIOConnection connection, ISocketIOAckHandler handler, object? state, int timeoutMs)
    {
        var id = Interlocked.Increment(ref _nextAckId);
        _acks[id] = new PendingAck(connection, handler, state);
        SharedTimer.Instance.Schedule(this, id, MonotonicClock.NowMs + Math.Max(timeoutMs, 1));
        return id;
    }

    internal void CancelAck(long id) => _acks.TryRemove(id, out _);

    internal void CompleteAck(long id, SocketIOConnection connection, ReadOnlyMemory<byte> args, IReadOnlyList<ReadOnlyMemory<byte>> attachments)
    {
        if (_acks.TryGetValue(id, out var pending) && pending.Connection == connection && _acks.TryRemove(id, out _))
        {
            try
            {
                pending.Handler.OnAck(connection, pending.State, args, attachments);
            }
            catch (Exception ex)
            {
                Engine.ReportHandlerFault(ex);
            }
        }
    }

    void ITimerTarget.OnTimer(long token, long dueMs)
    {
        if (_acks.TryRemove(token, out var pending))
        {
            pending.Owner = this;
            ThreadPool.UnsafeQueueUserWorkItem(pending, preferLocal: false);
        }
    }

    private sealed class PendingAck(SocketIOConnection connection, ISocketIOAckHandler handler, object? state) : IThreadPoolWorkItem
    {
        public SocketIOConnection Connection { get; } = connection;

        public ISocketIOAckHandler Handler { get; } = handler;

        public object? State { get; } = state;

        public SocketIOServer? Owner { get; set; }

        public void Execute()
        {
            try
            {
                Handler.OnAckTimeout(Connection, State);
            }
            catch (Exception ex)
            {
                Owner?.Engine.ReportHandlerFault(ex);
            }
        }
    }
}
