using System.Buffers;
using System.Text;
using System.Text.Json;
using Cndr.Core;
using Cndr.Core.Relay;
using Cndr.Core.Store;
using Cndr.Transport.Http;

namespace Cndr.Host.Admin;

/// <summary>
/// The admin API (README "Admin API"), guarded by <see cref="AdminAuth"/>:
/// <c>POST /admin/rooms</c>, <c>GET /admin/rooms</c> (paged, sorted), <c>GET /admin/rooms/{code}</c> (with members and
/// active polls), <c>GET /admin/rooms/{code}/state</c>, <c>POST /admin/rooms/{code}/kick</c>, <c>DELETE /admin/rooms/{code}</c>,
/// <c>GET /admin/nodes</c>. Times are Unix milliseconds, durations milliseconds; errors are <c>{error:{code,message}}</c>.
/// </summary>
internal sealed class AdminEndpoints(RoomService admin, FleetQueries fleet, RelayHandler relay, AdminAuth auth)
{
    private const long MaxBodyBytes = 16 * 1024;

    public void Map(HttpRouter router)
    {
        router.Map(HttpVerb.Post, "/admin/rooms", CreateAsync, MaxBodyBytes);
        router.Map(HttpVerb.Get, "/admin/rooms", ListAsync, MaxBodyBytes);
        router.Map(HttpVerb.Get, "/admin/nodes", NodesAsync, MaxBodyBytes);
        router.MapPrefix(HttpVerb.Get, "/admin/rooms/", GetAsync, MaxBodyBytes);
        router.MapPrefix(HttpVerb.Post, "/admin/rooms/", PostAsync, MaxBodyBytes);
        router.MapPrefix(HttpVerb.Delete, "/admin/rooms/", DeleteAsync, MaxBodyBytes);
    }

    private async ValueTask CreateAsync(HttpContext ctx)
    {
        if (!await auth.AuthorizeAsync(ctx))
        {
            return;
        }

        CreateRoomRequest? request = new();
        if (!ctx.Request.Body.IsEmpty)
        {
            try
            {
                request = JsonSerializer.Deserialize(ctx.Request.Body, AdminJson.Default.CreateRoomRequest);
            }
            catch (JsonException)
            {
                await AdminErrors.SendAsync(ctx, 400, "INVALID_PAYLOAD", "The body is not a valid JSON object {password?, maxPlayers?, maxAudience?, roomCode?}.");
                return;
            }
        }

        var (room, error) = await admin.CreateAsync(request ?? new CreateRoomRequest());
        switch (error)
        {
            case CreateRoomError.None:
                await ctx.Response.SendJsonAsync(201, JsonSerializer.SerializeToUtf8Bytes(room!, AdminJson.Default.CreatedRoomView));
                return;
            case CreateRoomError.InvalidRoomCode:
                await AdminErrors.SendAsync(ctx, 400, "INVALID_PAYLOAD", $"roomCode must be {admin.RoomCodeLength} characters [A-Z0-9].");
                return;
            case CreateRoomError.InvalidLimits:
                await AdminErrors.SendAsync(ctx, 400, "INVALID_PAYLOAD", "maxPlayers and maxAudience must be 0 (unlimited) or more.");
                return;
            case CreateRoomError.PasswordTooLong:
                await AdminErrors.SendAsync(ctx, 400, "INVALID_PAYLOAD", "The password is too long.");
                return;
            case CreateRoomError.RoomExists:
                await AdminErrors.SendAsync(ctx, 409, "ROOM_EXISTS", "A room with that code exists.");
                return;
            default:
                await AdminErrors.UnavailableAsync(ctx);
                return;
        }
    }

    private async ValueTask ListAsync(HttpContext ctx)
    {
        if (!await auth.AuthorizeAsync(ctx))
        {
            return;
        }

        var sort = ctx.Request.GetQueryValue("sort") ?? "-lastActivity";
        if (sort is not ("-lastActivity" or "lastActivity" or "code" or "-code"))
        {
            await AdminErrors.SendAsync(ctx, 400, "INVALID_QUERY", "sort is one of -lastActivity (default), lastActivity, code, -code.");
            return;
        }

        if (!TryQueryInt(ctx, "offset", 0, 0, int.MaxValue, out var offset) || !TryQueryInt(ctx, "limit", 50, 1, FleetQueries.MaxPageSize, out var limit))
        {
            await AdminErrors.SendAsync(ctx, 400, "INVALID_QUERY", $"offset is 0 or more; limit is 1 to {FleetQueries.MaxPageSize} (default 50).");
            return;
        }

        await SendAsync(ctx, w => fleet.WriteRoomsAsync(w, sort, offset, limit).ContinueWith(static _ => true, TaskScheduler.Default));
    }

    private async ValueTask NodesAsync(HttpContext ctx)
    {
        if (await auth.AuthorizeAsync(ctx))
        {
            await SendAsync(ctx, async w =>
            {
                await fleet.WriteNodesAsync(w);
                return true;
            });
        }
    }

    /// <summary><c>GET /admin/rooms/{code}</c> and <c>GET /admin/rooms/{code}/state</c>.</summary>
    private async ValueTask GetAsync(HttpContext ctx)
    {
        if (!await auth.AuthorizeAsync(ctx) || await ParseAsync(ctx) is not { } target)
        {
            return;
        }

        switch (target.Action)
        {
            case "":
                await SendAsync(ctx, w => fleet.WriteRoomAsync(w, target.Code));
                return;
            case "state":
                await SendAsync(ctx, w => fleet.WriteStateAsync(w, target.Code));
                return;
            default:
                await AdminErrors.SendAsync(ctx, 404, "NOT_FOUND", "GET /admin/rooms/{code} or /admin/rooms/{code}/state.");
                return;
        }
    }

    /// <summary><c>POST /admin/rooms/{code}/kick</c> with <c>{clientId}</c>.</summary>
    private async ValueTask PostAsync(HttpContext ctx)
    {
        if (!await auth.AuthorizeAsync(ctx) || await ParseAsync(ctx) is not { } target)
        {
            return;
        }

        if (target.Action != "kick")
        {
            await AdminErrors.SendAsync(ctx, 404, "NOT_FOUND", "POST /admin/rooms/{code}/kick.");
            return;
        }

        string? clientId = null;
        try
        {
            clientId = JsonSerializer.Deserialize(ctx.Request.Body, AdminJson.Default.KickRequest)?.ClientId;
        }
        catch (JsonException)
        {
        }

        if (string.IsNullOrEmpty(clientId) || clientId.Length > 256)
        {
            await AdminErrors.SendAsync(ctx, 400, "INVALID_PAYLOAD", "The body is {\"clientId\": \"...\"} (a player's clientId or a host/audience connection id).");
            return;
        }

        KickOutcome outcome;
        try
        {
            outcome = await relay.KickClientAsync(target.Code, clientId);
        }
        catch (StoreUnavailableException)
        {
            await AdminErrors.UnavailableAsync(ctx);
            return;
        }

        switch (outcome)
        {
            case KickOutcome.Kicked:
                await ctx.Response.SendJsonAsync(200, JsonSerializer.SerializeToUtf8Bytes(new KickResult(target.Code.ToString(), clientId, true), AdminJson.Default.KickResult));
                return;
            case KickOutcome.RoomNotFound:
                await AdminErrors.RoomNotFoundAsync(ctx);
                return;
            case KickOutcome.NotConnected:
                await AdminErrors.SendAsync(ctx, 409, "CLIENT_NOT_CONNECTED", "The player is away: there is no connection to kick (the seat is kept).");
                return;
            default:
                await AdminErrors.SendAsync(ctx, 404, "CLIENT_NOT_FOUND", "No member of the room has that clientId.");
                return;
        }
    }

    private async ValueTask DeleteAsync(HttpContext ctx)
    {
        if (!await auth.AuthorizeAsync(ctx) || await ParseAsync(ctx) is not { } target)
        {
            return;
        }

        if (target.Action.Length != 0)
        {
            await AdminErrors.SendAsync(ctx, 404, "NOT_FOUND", "DELETE /admin/rooms/{code}.");
            return;
        }

        bool closed;
        try
        {
            closed = await admin.CloseAsync(target.Code);
        }
        catch (StoreUnavailableException)
        {
            await AdminErrors.UnavailableAsync(ctx);
            return;
        }

        if (!closed)
        {
            await AdminErrors.RoomNotFoundAsync(ctx);
            return;
        }

        await ctx.Response.SendStatusAsync(204);
    }

    /// <summary>Writes the JSON a query produces (200), or 404 ROOM_NOT_FOUND when it returns false, or 503 when the store is away.</summary>
    private static async ValueTask SendAsync(HttpContext ctx, Func<Utf8JsonWriter, Task<bool>> write)
    {
        var buffer = new ArrayBufferWriter<byte>(1024);
        bool found;
        try
        {
            await using var w = new Utf8JsonWriter(buffer);
            found = await write(w);
        }
        catch (StoreUnavailableException)
        {
            await AdminErrors.UnavailableAsync(ctx);
            return;
        }

        if (!found)
        {
            await AdminErrors.RoomNotFoundAsync(ctx);
            return;
        }

        await ctx.Response.SendJsonAsync(200, buffer.WrittenSpan);
    }

    private static bool TryQueryInt(HttpContext ctx, string name, int fallback, int min, int max, out int value)
    {
        var raw = ctx.Request.GetQueryValue(name);
        if (raw is null)
        {
            value = fallback;
            return true;
        }

        return int.TryParse(raw, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out value) && value >= min && value <= max;
    }

    /// <summary><c>{code}</c> or <c>{code}/{action}</c> after <c>/admin/rooms/</c>; 400 for a malformed code.</summary>
    private async ValueTask<(RoomCode Code, string Action)?> ParseAsync(HttpContext ctx)
    {
        var rest = ctx.PathRemainder;
        var slash = rest.IndexOf((byte)'/');
        var codePart = slash < 0 ? rest : rest[..slash];
        var action = slash < 0 ? "" : Encoding.ASCII.GetString(rest[(slash + 1)..]);
        if (codePart.Length == admin.RoomCodeLength && RoomCode.TryParse(codePart, admin.RoomCodeLength, out var code))
        {
            return (code, action);
        }

        await AdminErrors.SendAsync(ctx, 400, "INVALID_PAYLOAD", $"A room code is {admin.RoomCodeLength} characters [A-Z0-9].");
        return null;
    }
}
