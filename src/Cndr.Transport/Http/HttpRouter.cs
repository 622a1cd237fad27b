using System.Text;

namespace Cndr.Transport.Http;

/// <summary>
/// Maps (method, path) to handlers: exact paths first, then the longest matching prefix. A path that
/// matches with another method answers 405.
/// </summary>
public sealed class HttpRouter
{
    private readonly List<Route> _exact = [];
    private readonly List<Route> _prefix = [];

    internal sealed class Route(HttpVerb? verb, byte[] path, IHttpHandler handler, long maxBodyBytes)
    {
        public HttpVerb? Verb { get; } = verb;
        public byte[] Path { get; } = path;
        public IHttpHandler Handler { get; } = handler;
        public long MaxBodyBytes { get; } = maxBodyBytes;
    }

    /// <summary>Routes <paramref name="path"/> exactly (any method when <paramref name="verb"/> is null).</summary>
    /// <param name="maxBodyBytes">Body limit for this route (413 above it); -1 = the server's default.</param>
    public void Map(HttpVerb? verb, string path, IHttpHandler handler, long maxBodyBytes = -1)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(handler);
        lock (_exact)
        {
            _exact.Add(new Route(verb, Encoding.UTF8.GetBytes(path), handler, maxBodyBytes));
        }
    }

    /// <summary>Routes <paramref name="path"/> exactly to a delegate.</summary>
    public void Map(HttpVerb? verb, string path, Func<HttpContext, ValueTask> handler, long maxBodyBytes = -1)
        => Map(verb, path, new DelegateHandler(handler), maxBodyBytes);

    /// <summary>Routes every path starting with <paramref name="prefix"/> (e.g. <c>/admin/rooms/</c>); see <see cref="HttpContext.PathRemainder"/>.</summary>
    public void MapPrefix(HttpVerb? verb, string prefix, IHttpHandler handler, long maxBodyBytes = -1)
    {
        ArgumentNullException.ThrowIfNull(prefix);
        ArgumentNullException.ThrowIfNull(handler);
        lock (_exact)
        {
            _prefix.Add(new Route(verb, Encoding.UTF8.GetBytes(prefix), handler, maxBodyBytes));
            _prefix.Sort(static (a, b) => b.Path.Length.CompareTo(a.Path.Length));
        }
    }

    /// <summary>Routes a prefix to a delegate.</summary>
    public void MapPrefix(HttpVerb? verb, string prefix, Func<HttpContext, ValueTask> handler, long maxBodyBytes = -1)
        => MapPrefix(verb, prefix, new DelegateHandler(handler), maxBodyBytes);

    /// <summary>Finds the route; <paramref name="status"/> is 404 or 405 when none fits.</summary>
    internal Route? Match(HttpRequest request, out int status)
    {
        var path = request.Path;
        var verb = request.Verb;
        var methodMismatch = false;
        foreach (var r in _exact)
        {
            if (path.SequenceEqual(r.Path))
            {
                if (r.Verb is null || r.Verb == verb || (r.Verb == HttpVerb.Get && verb == HttpVerb.Head))
                {
                    status = 0;
                    return r;
                }

                methodMismatch = true;
            }
        }

        if (!methodMismatch)
        {
            foreach (var r in _prefix)
            {
                if (path.StartsWith(r.Path))
                {
                    if (r.Verb is null || r.Verb == verb)
                    {
                        status = 0;
                        return r;
                    }

                    methodMismatch = true;
                }
            }
        }

        status = methodMismatch ? 405 : 404;
        return null;
    }

    private sealed class DelegateHandler(Func<HttpContext, ValueTask> handler) : IHttpHandler
    {
        public ValueTask HandleAsync(HttpContext context) => handler(context);
    }
}
