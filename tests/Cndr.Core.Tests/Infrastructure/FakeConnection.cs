using System.Net;
using System.Text;
using System.Text.Json;
using Cndr.Transport;
using Cndr.Transport.SocketIO;

namespace Cndr.Core.Tests.Infrastructure;

/// <summary>One event the relay sent: its name and first argument.</summary>
public sealed record SentEvent(string Name, JsonElement Arg, string Raw);

/// <summary>
/// A connection that records what the relay sends (decoding <see cref="OutboundMessage.Payload"/>), and like the
/// transport calls <see cref="ISocketIOHandler.OnDisconnected"/> exactly once when the relay disconnects it.
/// </summary>
public sealed class FakeConnection(string id, ISocketIOHandler handler) : ISocketIOConnection
{
    private readonly Lock _gate = new();
    private readonly List<SentEvent> _events = [];
    private readonly Dictionary<long, JsonElement> _acks = [];
    private int _disconnected;

    public string Id { get; } = id;

    public string Namespace => "/";

    public IPAddress? RemoteAddress => IPAddress.Loopback;

    public bool IsWebSocket => true;

    public object? UserState { get; set; }

    public bool IsDisconnected => Volatile.Read(ref _disconnected) != 0;

    public DisconnectReason? Reason { get; private set; }

    /// <summary>Every event sent so far, in order.</summary>
    public IReadOnlyList<SentEvent> Events
    {
        get
        {
            lock (_gate)
            {
                return [.. _events];
            }
        }
    }

    public IReadOnlyList<SentEvent> EventsNamed(string name) => [.. Events.Where(e => e.Name == name)];

    public SentEvent Single(string name) => Assert.Single(EventsNamed(name));

    public void ClearEvents()
    {
        lock (_gate)
        {
            _events.Clear();
        }
    }

    public JsonElement Ack(long ackId)
    {
        lock (_gate)
        {
            return _acks.TryGetValue(ackId, out var a) ? a : throw new Xunit.Sdk.XunitException($"no ack {ackId} on {Id}");
        }
    }

    public bool HasAck(long ackId)
    {
        lock (_gate)
        {
            return _acks.ContainsKey(ackId);
        }
    }

    public bool Send(OutboundMessage message)
    {
        if (IsDisconnected)
        {
            return false;
        }

        var text = Encoding.UTF8.GetString(message.Payload.Span);
        Assert.StartsWith("42", text, StringComparison.Ordinal);
        using var doc = JsonDocument.Parse(text.AsMemory(2));
        var arr = doc.RootElement;
        Assert.Equal(JsonValueKind.Array, arr.ValueKind);
        var name = arr[0].GetString()!;
        var arg = arr.GetArrayLength() > 1 ? arr[1].Clone() : default;
        lock (_gate)
        {
            _events.Add(new SentEvent(name, arg, text));
        }

        return true;
    }

    public bool SendAck(long ackId, ReadOnlySpan<byte> argsJsonArray)
    {
        if (IsDisconnected)
        {
            return false;
        }

        using var doc = JsonDocument.Parse(argsJsonArray.ToArray());
        Assert.Equal(JsonValueKind.Array, doc.RootElement.ValueKind);
        lock (_gate)
        {
            Assert.True(_acks.TryAdd(ackId, doc.RootElement[0].Clone()), $"ack {ackId} sent twice");
        }

        return true;
    }

    public void Disconnect() => Close(DisconnectReason.ServerNamespaceDisconnect);

    public void CloseTransport() => Close(DisconnectReason.ServerShutdown);

    /// <summary>The client side goes away (transport close).</summary>
    public void Drop() => Close(DisconnectReason.TransportClose);

    private void Close(DisconnectReason reason)
    {
        if (Interlocked.Exchange(ref _disconnected, 1) != 0)
        {
            return;
        }

        Reason = reason;
        handler.OnDisconnected(this, reason);
    }
}
