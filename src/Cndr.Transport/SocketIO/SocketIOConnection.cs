using System.Net;
using System.Text;
using Cndr.Transport.EngineIO;

namespace Cndr.Transport.SocketIO;

/// <summary>One client's membership of one namespace.</summary>
internal sealed class SocketIOConnection : ISocketIOConnection
{
    private readonly SocketIOClient _client;
    private int _state; // 0 connecting, 1 connected, 2 closed

    public SocketIOConnection(SocketIOClient client, SocketIONamespace ns, string id)
    {
        _client = client;
        Space = ns;
        Id = id;
    }

    public string Id { get; }

    public SocketIONamespace Space { get; }

    public string Namespace => Space.Name;

    public IPAddress? RemoteAddress => _client.Session.RemoteAddress;

    public bool IsWebSocket => _client.Session.IsWebSocket;

    public object? UserState { get; set; }

    internal EngineIOSession Session => _client.Session;

    internal bool IsOpen => Volatile.Read(ref _state) == 1;

    internal void MarkConnected() => Volatile.Write(ref _state, 1);

    /// <summary>Marks the connection closed; true for the one caller that did it.</summary>
    internal bool TryMarkClosed() => Interlocked.Exchange(ref _state, 2) != 2;

    /// <inheritdoc />
    public long QueuedBytes => _client.Session.QueuedBytes;

    /// <inheritdoc />
    public bool Send(OutboundMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        return Volatile.Read(ref _state) != 2 && _client.Session.Send(message);
    }

    public bool SendAck(long ackId, ReadOnlySpan<byte> argsJsonArray)
    {
        if (Volatile.Read(ref _state) == 2)
        {
            return false;
        }

        var m = OutboundMessage.CreateAck(Space.NameBytes, ackId, argsJsonArray.Length + 16);
        m.Write(argsJsonArray);
        m.Complete();
        var ok = _client.Session.Send(m);
        m.Release();
        return ok;
    }

    public void Disconnect()
    {
        if (Volatile.Read(ref _state) == 2)
        {
            return;
        }

        // Socket.IO DISCONNECT for the namespace, then the Engine.IO session closes after flushing.
        var m = OutboundMessage.Create(Space.NameBytes.Length + 4);
        m.WriteByte((byte)'4');
        m.WriteByte((byte)'1');
        if (!Space.IsRoot)
        {
            m.Write(Space.NameBytes);
            m.WriteByte((byte)',');
        }

        m.Complete();
        _client.Session.Send(m);
        m.Release();
        _client.Detach(this, DisconnectReason.ServerNamespaceDisconnect);
        _client.Session.Close();
    }

    public void CloseTransport() => _client.Session.Close();

    public void MarkEstablished() => _client.Session.MarkEstablished();

    public bool EmitWithAck(ReadOnlySpan<byte> eventJsonArray, ISocketIOAckHandler handler, object? state, int timeoutMs)
    {
        ArgumentNullException.ThrowIfNull(handler);
        if (Volatile.Read(ref _state) == 2)
        {
            return false;
        }

        var ackId = _client.Server.RegisterAck(this, handler, state, timeoutMs);
        var m = OutboundMessage.CreateEvent(Space.NameBytes, eventJsonArray.Length + 24);
        m.WriteInt64(ackId);
        m.Write(eventJsonArray);
        m.Complete();
        var ok = _client.Session.Send(m);
        m.Release();
        if (!ok)
        {
            _client.Server.CancelAck(ackId);
        }

        return ok;
    }

    public override string ToString() => $"{Namespace}#{Id}";

    internal static string NewId()
    {
        Span<byte> raw = stackalloc byte[15];
        Internal.SecureRandom.Fill(raw);
        Span<byte> text = stackalloc byte[20];
        System.Buffers.Text.Base64Url.EncodeToUtf8(raw, text, out _, out var n);
        return Encoding.ASCII.GetString(text[..n]);
    }
}

/// <summary>A registered namespace.</summary>
internal sealed class SocketIONamespace(string name, ISocketIOHandler handler)
{
    public string Name { get; } = name;

    public byte[] NameBytes { get; } = Encoding.UTF8.GetBytes(name);

    public bool IsRoot { get; } = name == "/";

    public ISocketIOHandler Handler { get; } = handler;

    public bool Matches(ReadOnlySpan<byte> nsp) => nsp.IsEmpty ? IsRoot : nsp.SequenceEqual(NameBytes);
}
