using System.Net;
using System.Security.Cryptography;
using System.Text;
using Cndr.Transport.Http;

namespace Cndr.Host.Admin;

/// <summary>
/// Who may use the admin API and the monitor's data: a request with <c>Authorization: Bearer &lt;ADMIN_TOKEN&gt;</c>.
/// With no token configured the API is off, except on the embedded store (the one-node demo) for a request that
/// comes straight from this machine: a loopback peer, no proxy header (<c>Forwarded</c>, <c>X-Forwarded-For</c>: a
/// reverse proxy on the same host would otherwise pass anyone on), and a loopback <c>Host</c> (a page that reached
/// the node by DNS rebinding carries its own host name).
/// </summary>
internal sealed class AdminAuth(string? adminToken, bool allowLoopbackWithoutToken)
{
    private readonly byte[]? _token = string.IsNullOrEmpty(adminToken) ? null : Encoding.UTF8.GetBytes(adminToken);

    public async ValueTask<bool> AuthorizeAsync(HttpContext ctx)
    {
        if (_token is null)
        {
            if (allowLoopbackWithoutToken && IsDirectLoopback(ctx))
            {
                return true;
            }

            await AdminErrors.SendAsync(ctx, 403, "FORBIDDEN", allowLoopbackWithoutToken
                ? "Without ADMIN_TOKEN only direct loopback requests (no proxy headers, loopback Host) are allowed."
                : "The admin API is off: set ADMIN_TOKEN.");
            return false;
        }

        if (ctx.Request.TryGetHeader("authorization"u8, out var auth)
            && auth.StartsWith("Bearer "u8)
            && CryptographicOperations.FixedTimeEquals(auth["Bearer ".Length..].Trim((byte)' '), _token))
        {
            return true;
        }

        ctx.Response.AddHeader("WWW-Authenticate", "Bearer");
        await AdminErrors.SendAsync(ctx, 401, "UNAUTHORIZED", "A valid 'Authorization: Bearer <ADMIN_TOKEN>' header is required.");
        return false;
    }

    /// <summary>True for a request from a loopback peer, without proxy headers, addressed to a loopback host.</summary>
    internal static bool IsDirectLoopback(HttpContext ctx)
    {
        var request = ctx.Request;
        return ctx.RemoteAddress is { } ip && IPAddress.IsLoopback(ip)
            && !request.TryGetHeader("forwarded"u8, out _)
            && !request.TryGetHeader("x-forwarded-for"u8, out _)
            && request.TryGetHeader("host"u8, out var host)
            && IsLoopbackHost(Encoding.ASCII.GetString(host));
    }

    /// <summary><c>localhost</c>, <c>127.x.y.z</c> or <c>[::1]</c>, with or without a port.</summary>
    internal static bool IsLoopbackHost(string host)
    {
        var name = host;
        if (name.StartsWith('['))
        {
            var close = name.IndexOf(']', StringComparison.Ordinal);
            if (close < 0 || (close + 1 < name.Length && name[close + 1] != ':'))
            {
                return false;
            }

            name = name[1..close];
        }
        else if (name.IndexOf(':', StringComparison.Ordinal) is var colon and >= 0)
        {
            name = name[..colon];
        }

        return name.Equals("localhost", StringComparison.OrdinalIgnoreCase)
            || (IPAddress.TryParse(name, out var ip) && IPAddress.IsLoopback(ip) && (name.Contains(':', StringComparison.Ordinal) || name.Count(c => c == '.') == 3));
    }
}
