using Cndr.Core.Protocol;
using Cndr.Core.Store;
using Cndr.Transport;

namespace Cndr.Core.Relay;

public sealed partial class RelayHandler
{
    /// <summary>A room update published by another node: deliver it to this node's connections of the room.</summary>
    void IRoomBusListener.OnBusMessage(RoomCode room, in RoomBusMessage message)
    {
        if (!_rooms.TryGet(room, out var local))
        {
            return;
        }

        try
        {
            switch (message.Kind)
            {
                case RoomBusKind.Deliver:
                    {
                        // Wrapped once per receiving node, shared by every local recipient.
                        var m = OutboundMessage.Create(message.Packet.Length);
                        m.Write(message.Packet.Span);
                        m.Complete();
                        SendLocal(local, m, message.Recipients, message.Target);
                        m.Release();
                        break;
                    }

                case RoomBusKind.Kick when message.Target is not null:
                    {
                        ClientSession? session;
                        lock (local.Gate)
                        {
                            session = local.FindConnection(message.Target);
                        }

                        if (session is not null)
                        {
                            session.Detached = true;
                            lock (local.Gate)
                            {
                                _ = session.Role switch
                                {
                                    ClientRole.Host => local.RemoveHost(session),
                                    ClientRole.Player => local.RemovePlayer(session),
                                    _ => local.RemoveAudience(session),
                                };
                            }

                            var m = OutboundMessage.Create(message.Packet.Length);
                            m.Write(message.Packet.Span);
                            RelayJson.SendOnce(session.Connection, m.Complete());
                            session.Connection.Disconnect();
                        }

                        break;
                    }

                case RoomBusKind.ToHostQueued:
                    RequestDrain(local);
                    break;

                case RoomBusKind.RoomClosed:
                    {
                        var m = OutboundMessage.Create(message.Packet.Length);
                        m.Write(message.Packet.Span);
                        m.Complete();
                        CloseLocal(local, m);
                        m.Release();
                        break;
                    }
            }
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            Log.UnexpectedError(_logger, ex, "bus message");
        }
    }
}
