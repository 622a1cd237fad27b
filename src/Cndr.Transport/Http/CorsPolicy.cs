using System.Text;

namespace Cndr.Transport.Http;

/// <summary>
/// Origin checks for browser clients: CORS response headers on polling requests and the Origin check on
/// WebSocket upgrades use the same list. <c>*</c> allows every origin. Requests without an Origin header
/// (non-browser clients) are always allowed.
/// </summary>
public sealed class CorsPolicy
{
    private readonly byte[][] _origins;
    private readonly bool _any;

    public CorsPolicy(IEnumerable<string> allowedOrigins)
    {
        ArgumentNullException.ThrowIfNull(allowedOrigins);
        var list = allowedOrigins.Select(o => o.Trim().TrimEnd('/')).Where(o => o.Length > 0).ToList();
        _any = list.Count == 0 || list.Contains("*");
        _origins = [.. list.Where(o => o != "*").Select(Encoding.UTF8.GetBytes)];
    }

    /// <summary>Allows every origin.</summary>
    public static CorsPolicy AllowAll { get; } = new(["*"]);

    /// <summary>True when every origin is allowed.</summary>
    public bool AllowsAny => _any;

    /// <summary>True when a request with this Origin header (or none) may proceed.</summary>
    public bool IsAllowed(HttpRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (_any || !request.TryGetHeader("origin"u8, out var origin))
        {
            return true;
        }

        foreach (var o in _origins)
        {
            if (Ascii.EqualsIgnoreCase(origin, o))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// Checks the request's Origin and selects the CORS headers of the response. Returns false (and sets
    /// nothing) when the origin is refused: the caller answers 403.
    /// </summary>
    public bool Apply(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (!IsAllowed(context.Request))
        {
            return false;
        }

        if (context.Request.TryGetHeader("origin"u8, out _))
        {
            context.Response.Cors = _any ? HttpResponse.CorsMode.Any : HttpResponse.CorsMode.EchoOrigin;
        }
        else if (_any)
        {
            context.Response.Cors = HttpResponse.CorsMode.Any;
        }

        return true;
    }

    /// <summary>Answers a CORS preflight (OPTIONS) request: 204 with the allowed methods and headers, or 403.</summary>
    public ValueTask WritePreflightAsync(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (!Apply(context))
        {
            return context.Response.SendStatusAsync(403);
        }

        context.Response.AddHeader("Access-Control-Allow-Methods", "GET, POST, OPTIONS");
        var requested = context.Request.GetHeader("Access-Control-Request-Headers");
        context.Response.AddHeader("Access-Control-Allow-Headers", string.IsNullOrEmpty(requested) ? "content-type" : requested);
        context.Response.AddHeader("Access-Control-Max-Age", "86400");
        return context.Response.SendStatusAsync(204);
    }
}
