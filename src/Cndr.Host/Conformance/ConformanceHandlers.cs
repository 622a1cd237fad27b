using Cndr.Transport;
using Cndr.Transport.SocketIO;

namespace Cndr.Host.Conformance;

/// <summary>
/// Conformance namespace handler (CONFORMANCE.md §4): on connect emits <c>auth</c> with the CONNECT payload
/// (or <c>{}</c>); with <paramref name="echo"/>, <c>message</c> → <c>message-back</c> with the same arguments and
/// <c>message-with-ack</c> → an ack with the same arguments (binary attachments kept).
/// </summary>
internal sealed class ConformanceHandler(bool echo) : ISocketIOHandler
{
    public ValueTask<ConnectDecision> OnConnectAsync(ISocketIOConnection connection, ReadOnlyMemory<byte> auth)
    {
        connection.UserState = auth.IsEmpty ? null : auth.ToArray();
        return new(ConnectDecision.Accept);
    }

    public void OnConnected(ISocketIOConnection connection)
    {
        var auth = connection.UserState as byte[];
        connection.UserState = null;
        var m = OutboundMessage.CreateEvent(Nsp(connection), 32 + (auth?.Length ?? 2));
        m.Write("[\"auth\","u8);
        m.Write(auth is null ? "{}"u8 : auth);
        m.WriteByte((byte)']');
        m.Complete();
        connection.Send(m);
        m.Release();
    }

    public ValueTask OnEventAsync(ISocketIOConnection connection, SocketIOEvent evt)
    {
        if (!echo)
        {
            return default;
        }

        var name = evt.Name.Span;
        if (name.SequenceEqual("message"u8))
        {
            var m = evt.Attachments.Count > 0
                ? OutboundMessage.CreateBinary(Nsp(connection), evt.Attachments.Count, -1, isAck: false, evt.Args.Length + 32)
                : OutboundMessage.CreateEvent(Nsp(connection), evt.Args.Length + 32);
            m.Write("[\"message-back\""u8);
            if (!evt.Args.IsEmpty)
            {
                m.WriteByte((byte)',');
                m.Write(evt.Args.Span);
            }

            m.WriteByte((byte)']');
            foreach (var a in evt.Attachments)
            {
                m.AddAttachment(a.Span);
            }

            m.Complete();
            connection.Send(m);
            m.Release();
        }
        else if (name.SequenceEqual("message-with-ack"u8) && evt.WantsAck)
        {
            if (evt.Attachments.Count > 0)
            {
                var m = OutboundMessage.CreateBinary(Nsp(connection), evt.Attachments.Count, evt.AckId, isAck: true, evt.Args.Length + 32);
                m.WriteByte((byte)'[');
                m.Write(evt.Args.Span);
                m.WriteByte((byte)']');
                foreach (var a in evt.Attachments)
                {
                    m.AddAttachment(a.Span);
                }

                m.Complete();
                connection.Send(m);
                m.Release();
            }
            else
            {
                Span<byte> small = stackalloc byte[256];
                var args = evt.Args.Span;
                var array = args.Length + 2 <= small.Length ? small[..(args.Length + 2)] : new byte[args.Length + 2];
                array[0] = (byte)'[';
                args.CopyTo(array[1..]);
                array[^1] = (byte)']';
                connection.SendAck(evt.AckId, array);
            }
        }

        return default;
    }

    public void OnDisconnected(ISocketIOConnection connection, DisconnectReason reason)
    {
    }

    private static ReadOnlySpan<byte> Nsp(ISocketIOConnection c) => c.Namespace == "/" ? default : System.Text.Encoding.UTF8.GetBytes(c.Namespace);
}
