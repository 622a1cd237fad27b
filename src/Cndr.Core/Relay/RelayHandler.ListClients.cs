using Cndr.Core.Protocol;
using Cndr.Core.Store;
using Cndr.Transport.SocketIO;

namespace Cndr.Core.Relay;

public sealed partial class RelayHandler
{
    /// <summary>Members per <c>list_clients</c> page when the host gives no <c>limit</c>.</summary>
    private const int DefaultClientPage = 100;

    // ---- list_clients → one page of members (PROTOCOL §8.23) ----

    private async ValueTask ListClientsAsync(ClientSession session, SocketIOEvent evt, CommandArg arg)
    {
        var page = arg.Kind switch
        {
            ArgKind.Object => PageRequest.Parse(arg.Json.Span),
            ArgKind.None => PageRequest.Parse("{}"u8),
            _ => null,
        };
        if (page is null || (page.Cursor is not null && !ClientCursor.TryParse(page.Cursor, out _, out _)))
        {
            RelayJson.Fail(session.Connection, evt.AckId, ErrorCode.InvalidPayload, "list_clients"u8);
            return;
        }

        // A page is bounded in members and in meta bytes (a quarter of the outbound budget, like the to-host drain).
        var limit = page.Limit > 0 ? page.Limit : DefaultClientPage;
        var result = await _store.ListClientsAsync(session.Code, page.Role, page.Cursor, limit, _options.ToHostDrainBytes, session.Connection.Id).ConfigureAwait(false);
        switch (result.Outcome)
        {
            case ClientPageOutcome.NotHost:
                HostReplaced(session, evt, "list_clients"u8);
                return;
            case ClientPageOutcome.RoomNotFound:
                RelayJson.Fail(session.Connection, evt.AckId, ErrorCode.RoomNotFound, "list_clients"u8);
                return;
        }

        // Through the ack when there is one, else as the client_list event: the page is sent once.
        if (evt.AckId >= 0)
        {
            session.Connection.SendAck(evt.AckId, ClientListCodec.Page(result.Page!, ack: true));
        }
        else
        {
            RelayJson.SendOnce(session.Connection, RelayJson.Event("client_list"u8, ClientListCodec.Page(result.Page!, ack: false)));
        }
    }
}
