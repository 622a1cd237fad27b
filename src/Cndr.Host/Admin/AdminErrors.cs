using System.Text.Json;
using Cndr.Transport.Http;

namespace Cndr.Host.Admin;

/// <summary>Every admin error is <c>{"error":{"code","message"}}</c> with the matching HTTP status.</summary>
internal static class AdminErrors
{
    public static ValueTask SendAsync(HttpContext ctx, int status, string code, string message) =>
        ctx.Response.SendJsonAsync(status, JsonSerializer.SerializeToUtf8Bytes(new AdminError(new AdminErrorBody(code, message)), AdminJson.Default.AdminError));

    public static ValueTask UnavailableAsync(HttpContext ctx) => SendAsync(ctx, 503, "UNAVAILABLE", "The store is unreachable; retry later.");

    public static ValueTask RoomNotFoundAsync(HttpContext ctx) => SendAsync(ctx, 404, "ROOM_NOT_FOUND", "No such room.");
}
