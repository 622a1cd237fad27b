using System.Text;
using System.Text.Json.Nodes;
using Cndr.Core.Protocol;
using Cndr.Core.Store;

namespace Cndr.Core.Relay;

public sealed partial class RelayHandler
{
    /// <summary>
    /// Checks <c>auth.token</c>: valid, for this room and for the role asked for. A player's name from the token
    /// replaces <c>meta.playerName</c> (the backend's word wins over the client's).
    /// </summary>
    private async ValueTask<bool> SignInAsync(HandshakeRequest request)
    {
        if (_options.TokenValidator is not { } validator)
        {
            return false;
        }

        var token = await validator.ValidateAsync(request.Token!).ConfigureAwait(false);
        if (token is null || token.Role != request.Role || !string.Equals(token.RoomCode, request.Code.ToString(), StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        if (token.PlayerName is { } name && request.Role == ClientRole.Player)
        {
            var meta = request.Meta is null ? new JsonObject() : JsonNode.Parse(request.Meta) as JsonObject ?? [];
            meta["playerName"] = name;
            request.Meta = Encoding.UTF8.GetBytes(meta.ToJsonString());
        }

        return true;
    }
}
