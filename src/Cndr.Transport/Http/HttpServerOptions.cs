using Cndr.Transport.Sockets;

namespace Cndr.Transport.Http;

/// <summary>Limits and listener settings of an <see cref="HttpServer"/>.</summary>
public sealed class HttpServerOptions
{
    /// <summary>Listener settings (endpoints, connection limits, TLS hook).</summary>
    public ListenerOptions Listener { get; } = new();

    /// <summary>Largest request line + headers; above it the answer is 431.</summary>
    public int MaxHeadBytes { get; set; } = 8 * 1024;

    /// <summary>
    /// Milliseconds a connection may take to deliver a complete request head, counted from when the server starts
    /// waiting for it (accept, or the end of the previous response on a keep-alive connection); then it is closed
    /// (slowloris). 0 = no limit. One shared-timer entry per request; no Timer per connection.
    /// </summary>
    public int RequestHeadTimeoutMs { get; set; } = 15_000;

    /// <summary>
    /// Milliseconds a request body may take to arrive in full, counted from the end of its head; then the
    /// connection is closed (a slow body, like a slow head). 0 = no limit. One shared-timer entry per request.
    /// </summary>
    public int RequestBodyTimeoutMs { get; set; } = 30_000;

    /// <summary>
    /// Largest body read (and discarded) for a request that matches no route; a larger one is not read at all:
    /// the 404/405 goes out at once and the connection is closed.
    /// </summary>
    public long MaxUnroutedBodyBytes { get; set; } = 1024;

    /// <summary>Default largest request body; above it the answer is 413. Routes may set their own.</summary>
    public long MaxRequestBodyBytes { get; set; } = 1024 * 1024;

    /// <summary>Origins allowed for browser requests ("*" = any).</summary>
    public IList<string> AllowedOrigins { get; } = ["*"];
}
