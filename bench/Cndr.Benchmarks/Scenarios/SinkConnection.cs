using System.Net;
using Cndr.Transport;
using Cndr.Transport.SocketIO;

namespace Cndr.Benchmarks.Scenarios;

/// <summary>
/// A Socket.IO connection that accepts every message and keeps nothing: what the relay costs without the transport.
/// Shared by the benchmarks and the allocation-budget tests.
/// </summary>
internal sealed class SinkConnection(string id) : ISocketIOConnection
{
    /// <summary>Messages accepted by <see cref="Send"/>.</summary>
    public int Sends;

    /// <summary>Acks accepted by <see cref="SendAck"/>.</summary>
    public int Acks;

    /// <summary>Times <see cref="Disconnect"/> was called.</summary>
    public int Disconnects;

    public string Id { get; } = id;

    public string Namespace => "/";

    public IPAddress? RemoteAddress => null;

    public bool IsWebSocket => true;

    public object? UserState { get; set; }

    public bool Send(OutboundMessage message)
    {
        Sends++;
        return true;
    }

    public bool SendAck(long ackId, ReadOnlySpan<byte> argsJsonArray)
    {
        Acks++;
        return true;
    }

    public void Disconnect() => Disconnects++;

    public void CloseTransport()
    {
    }
}
