using Cndr.Transport;
using Cndr.Transport.EngineIO;
using Cndr.Transport.SocketIO;

namespace Cndr.Host.Conformance;

/// <summary>Raw Engine.IO echo (conformance mode, <c>/engine.io/</c>): every message goes back as it came.</summary>
internal sealed class EngineIOEcho : IEngineIOHandler
{
    public void OnOpen(EngineIOSession session)
    {
    }

    public ValueTask OnMessageAsync(EngineIOSession session, ReadOnlyMemory<byte> data, bool isBinary)
    {
        OutboundMessage message;
        if (isBinary)
        {
            message = OutboundMessage.CreateBinaryMessage(data.Span);
        }
        else
        {
            message = OutboundMessage.Create(data.Length + 1);
            message.WriteByte((byte)'4');
            message.Write(data.Span);
            message.Complete();
        }

        session.Send(message);
        message.Release();
        return default;
    }

    public void OnClose(EngineIOSession session, DisconnectReason reason)
    {
    }
}
