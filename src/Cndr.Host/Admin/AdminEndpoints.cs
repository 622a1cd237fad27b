using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Cndr.Core;
using Cndr.Transport.Http;

namespace Cndr.Host.Admin;

/// <summary>
/// <c>POST /admin/rooms</c>, <c>GET /admin/rooms/{code}</c>, <c>DELETE /admin/rooms/{code}</c>.
/// Guarded by <c>Authorization: Bearer &lt;ADMIN_TOKEN&gt;</c>; with no token configured the API is off,
/// except for requests from loopback when the node runs on the embedded store (the demo set-up).
/// </summary>
internal sealed class AdminEndpoints(RoomService admin, string? adminToken, bool allowLoopbackWithoutToken)
{
    private const long MaxBodyBytes = 16 * 1024;

    private readonly byte[]? _token = string.IsNullOrEmpty(adminToken) ? null : Encoding.UTF8.GetBytes(adminToken);

    public void Map(HttpRouter router)
    {
        router.Map(HttpVerb.Post, "/admin/rooms", CreateAsync, MaxBodyBytes);
        router.MapPrefix(HttpVerb.Get, "/admin/rooms/", GetAsync, MaxBodyBytes);
        router.MapPrefix(HttpVerb.Delete, "/admin/rooms/", DeleteAsync, MaxBodyBytes);
    }

    private async ValueTask CreateAsync(HttpContext ctx)
    {
        if (!await AuthorizeAsync(ctx))
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
                await ErrorAsync(ctx, 400, "INVALID_PAYLOAD", "The body is not a valid JSON object {password?, maxPlayers?, maxAudience?, roomCode?}.");
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
                await ErrorAsync(ctx, 400, "INVALID_PAYLOAD", $"roomCode must be {admin.RoomCodeLength} characters [A-Z0-9].");
                return;
            case CreateRoomError.InvalidLimits:
                await ErrorAsync(ctx, 400, "INVALID_PAYLOAD", "maxPlayers and maxAudience must be 0 (unlimited) or more.");
                return;
            case CreateRoomError.PasswordTooLong:
                await ErrorAsync(ctx, 400, "INVALID_PAYLOAD", "The password is too long.");
                return;
            case CreateRoomError.RoomExists:
                await ErrorAsync(ctx, 409, "ROOM_EXISTS", "A room with that code exists.");
                return;
            default:
                await ErrorAsync(ctx, 503, "UNAVAILABLE", "The store is unreachable; retry later.");
                return;
        }
    }

    private async ValueTask GetAsync(HttpContext ctx)
    {
        if (!await AuthorizeAsync(ctx) || await ParseCodeAsync(ctx) is not { } code)
        {
            return;
        }

        Core.Store.RoomInfo? info;
        try
        {
            info = await admin.GetAsync(code);
        }
        catch (Core.Store.StoreUnavailableException)
        {
            await ErrorAsync(ctx, 503, "UNAVAILABLE", "The store is unreachable; retry later.");
            return;
        }

        if (info is null)
        {
            await ErrorAsync(ctx, 404, "ROOM_NOT_FOUND", "No such room.");
            return;
        }

        var view = new RoomView(info.Code.ToString(), info.HasPassword, info.MaxPlayers, info.MaxAudience, info.CreatedAt, info.PlayerCount, info.AudienceCount, info.HostConnected, info.LastActivityMs, info.GameStateRev);
        await ctx.Response.SendJsonAsync(200, JsonSerializer.SerializeToUtf8Bytes(view, AdminJson.Default.RoomView));
    }

    private async ValueTask DeleteAsync(HttpContext ctx)
    {
        if (!await AuthorizeAsync(ctx) || await ParseCodeAsync(ctx) is not { } code)
        {
            return;
        }

        bool closed;
        try
        {
            closed = await admin.CloseAsync(code);
        }
        catch (Core.Store.StoreUnavailableException)
        {
            await ErrorAsync(ctx, 503, "UNAVAILABLE", "The store is unreachable; retry later.");
            return;
        }

        if (!closed)
        {
            await ErrorAsync(ctx, 404, "ROOM_NOT_FOUND", "No such room.");
            return;
        }

        await ctx.Response.SendStatusAsync(204);
    }

    private async ValueTask<RoomCode?> ParseCodeAsync(HttpContext ctx)
    {
        var rest = ctx.PathRemainder;
        if (rest.Length == admin.RoomCodeLength && RoomCode.TryParse(rest, admin.RoomCodeLength, out var code))
        {
            return code;
        }

        await ErrorAsync(ctx, 400, "INVALID_PAYLOAD", $"A room code is {admin.RoomCodeLength} characters [A-Z0-9].");
        return null;
    }

    private async ValueTask<bool> AuthorizeAsync(HttpContext ctx)
    {
        if (_token is null)
        {
            if (allowLoopbackWithoutToken && ctx.RemoteAddress is { } ip && IPAddress.IsLoopback(ip))
            {
                return true;
            }

            await ErrorAsync(ctx, 403, "FORBIDDEN", "The admin API is off: set ADMIN_TOKEN.");
            return false;
        }

        if (ctx.Request.TryGetHeader("authorization"u8, out var auth)
            && auth.StartsWith("Bearer "u8)
            && CryptographicOperations.FixedTimeEquals(auth["Bearer ".Length..].Trim((byte)' '), _token))
        {
            return true;
        }

        ctx.Response.AddHeader("WWW-Authenticate", "Bearer");
        await ErrorAsync(ctx, 401, "UNAUTHORIZED", "A valid 'Authorization: Bearer <ADMIN_TOKEN>' header is required.");
        return false;
    }

    private static ValueTask ErrorAsync(HttpContext ctx, int status, string code, string message) =>
        ctx.Response.SendJsonAsync(status, JsonSerializer.SerializeToUtf8Bytes(new AdminError(new AdminErrorBody(code, message)), AdminJson.Default.AdminError));
}

internal sealed record RoomView(string RoomCode, bool HasPassword, int MaxPlayers, int MaxAudience, long CreatedAt, int PlayerCount, int AudienceCount, bool HostConnected, long LastActivity, long GameStateRev);

internal sealed record AdminErrorBody(string Code, string Message);

internal sealed record AdminError(AdminErrorBody Error);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(CreateRoomRequest))]
[JsonSerializable(typeof(CreatedRoomView))]
[JsonSerializable(typeof(RoomView))]
[JsonSerializable(typeof(AdminError))]
internal sealed partial class AdminJson : JsonSerializerContext;
