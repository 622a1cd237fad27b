using System.Net;
using Cndr.Transport.Internal;
using Cndr.Transport.Sockets;

namespace Cndr.Transport.Http;

/// <summary>One request being handled: the request view, the response writer and the connection.</summary>
public sealed class HttpContext : ITimerTarget
{
    // Bumped whenever a head or body deadline starts or ends: a timer entry with an older value is stale.
    private long _deadlineGeneration;

    internal HttpContext(TransportConnection connection, HttpServer server)
    {
        Connection = connection;
        Server = server;
        Request = new HttpRequest { RemoteAddress = connection.RemoteAddress };
        Response = new HttpResponse(connection.Transport.Output, Request);
    }

    /// <summary>The request.</summary>
    public HttpRequest Request { get; }

    /// <summary>The response.</summary>
    public HttpResponse Response { get; }

    /// <summary>The underlying connection.</summary>
    public TransportConnection Connection { get; }

    /// <summary>The peer's address, when known.</summary>
    public IPAddress? RemoteAddress => Connection.RemoteAddress;

    /// <summary>For prefix routes: the part of the path after the prefix (raw).</summary>
    public ReadOnlySpan<byte> PathRemainder => Request.Path[Math.Min(RoutePrefixLength, Request.Path.Length)..];

    internal int RoutePrefixLength { get; set; }

    internal HttpServer Server { get; }

    /// <summary>True once a handler took the connection over (WebSocket); the HTTP loop then leaves it alone.</summary>
    internal bool IsUpgraded { get; set; }

    /// <summary>Starts the deadline for the next request head or the current body (one shared-timer entry); when it passes, the connection is aborted.</summary>
    internal void StartDeadline(int timeoutMs)
    {
        if (timeoutMs > 0)
        {
            var generation = Interlocked.Increment(ref _deadlineGeneration);
            SharedTimer.Instance.Schedule(this, generation, MonotonicClock.NowMs + timeoutMs);
        }
    }

    /// <summary>The head or body arrived (or the connection ends): the pending deadline becomes stale.</summary>
    internal void EndDeadline() => Interlocked.Increment(ref _deadlineGeneration);

    void ITimerTarget.OnTimer(long token, long dueMs)
    {
        if (token == Volatile.Read(ref _deadlineGeneration))
        {
            Connection.Abort();
        }
    }
}

/// <summary>Handles requests routed to it.</summary>
public interface IHttpHandler
{
    /// <summary>Handles one request; must write exactly one response (or take the connection over).</summary>
    ValueTask HandleAsync(HttpContext context);
}
