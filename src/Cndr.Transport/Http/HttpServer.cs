using System.IO.Pipelines;
using System.Net;
using Cndr.Transport.Sockets;

namespace Cndr.Transport.Http;

/// <summary>
/// HTTP/1.1 server on raw sockets: keep-alive, Content-Length bodies, a router, and connection
/// take-over for WebSocket upgrades. Malformed or oversized requests get 400 / 413 / 431 and the
/// connection is closed; no exception escapes a connection.
/// </summary>
public sealed class HttpServer : IConnectionHandler, IAsyncDisposable
{
    private readonly HttpServerOptions _options;
    private readonly ConnectionListener _listener;

    public HttpServer(HttpServerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options;
        Cors = new CorsPolicy(options.AllowedOrigins);
        _listener = new ConnectionListener(options.Listener, this);
    }

    /// <summary>The routes.</summary>
    public HttpRouter Router { get; } = new();

    /// <summary>The origin policy built from <see cref="HttpServerOptions.AllowedOrigins"/>.</summary>
    public CorsPolicy Cors { get; }

    /// <summary>The options.</summary>
    public HttpServerOptions Options => _options;

    /// <summary>The bound endpoints (after <see cref="Start"/>).</summary>
    public IReadOnlyList<IPEndPoint> EndPoints => _listener.LocalEndPoints;

    /// <summary>Currently open TCP connections.</summary>
    public int ConnectionCount => _listener.ConnectionCount;

    /// <summary>Handles the connection lifetime (optionally called with in-memory pipes by tests).</summary>
    public event Action<Exception>? HandlerFaulted;

    /// <summary>Binds and starts accepting.</summary>
    public void Start() => _listener.Start();

    /// <summary>Stops accepting new connections (graceful drain); open connections keep working.</summary>
    public void StopAccepting() => _listener.StopAccepting();

    /// <summary>Stops accepting and aborts every open connection.</summary>
    public ValueTask DisposeAsync() => _listener.DisposeAsync();

    /// <inheritdoc />
    public async Task HandleAsync(TransportConnection connection)
    {
        ArgumentNullException.ThrowIfNull(connection);
        var input = connection.Transport.Input;
        var context = new HttpContext(connection, this);
        var request = context.Request;
        var response = context.Response;
        var headTimeout = _options.RequestHeadTimeoutMs;
        var awaitingHead = false;
        try
        {
            while (true)
            {
                if (!awaitingHead)
                {
                    // Slowloris: the whole head must arrive within the timeout.
                    awaitingHead = true;
                    context.StartDeadline(headTimeout);
                }

                var result = await input.ReadAsync().ConfigureAwait(false);
                var buffer = result.Buffer;
                if (result.IsCanceled)
                {
                    input.AdvanceTo(buffer.Start);
                    return;
                }

                var status = HttpRequestParser.TryParseHead(buffer, request, _options.MaxHeadBytes, out var consumed, out var error);
                if (status == HttpParseStatus.Incomplete)
                {
                    input.AdvanceTo(buffer.Start, buffer.End);
                    if (result.IsCompleted)
                    {
                        return;
                    }

                    continue;
                }

                awaitingHead = false;
                context.EndDeadline();

                if (status == HttpParseStatus.Error)
                {
                    input.AdvanceTo(buffer.End);
                    request.KeepAlive = false;
                    await response.SendAsync(error, HttpLiterals.TextPlain, default).ConfigureAwait(false);
                    return;
                }

                input.AdvanceTo(consumed);
                var route = Router.Match(request, out var routeStatus);
                if (request.ContentLength > 0)
                {
                    // An unrouted request gets its 404/405 after at most a small body; a larger one is not read.
                    var limit = route is null ? _options.MaxUnroutedBodyBytes : route.MaxBodyBytes >= 0 ? route.MaxBodyBytes : _options.MaxRequestBodyBytes;
                    if (request.ContentLength > limit)
                    {
                        // The body is not read: the connection cannot be reused.
                        response.CloseConnection = true;
                        _ = route is not null && Cors.Apply(context);
                        await response.SendAsync(route is null ? routeStatus : 413, HttpLiterals.TextPlain, default).ConfigureAwait(false);
                        return;
                    }

                    // A slow body is cut like a slow head: the whole body must arrive within the timeout.
                    context.StartDeadline(_options.RequestBodyTimeoutMs);
                    var complete = route is null
                        ? await SkipBodyAsync(input, request.ContentLength).ConfigureAwait(false)
                        : await ReadBodyAsync(input, request).ConfigureAwait(false);
                    context.EndDeadline();
                    if (!complete)
                    {
                        return;
                    }
                }

                if (route is null)
                {
                    await response.SendAsync(routeStatus, HttpLiterals.TextPlain, default).ConfigureAwait(false);
                }
                else
                {
                    context.RoutePrefixLength = route.Path.Length;
                    try
                    {
                        await route.Handler.HandleAsync(context).ConfigureAwait(false);
                    }
                    catch (Exception ex)
                    {
                        HandlerFaulted?.Invoke(ex);
                        if (context.IsUpgraded)
                        {
                            return;
                        }

                        if (!response.HasStarted)
                        {
                            response.CloseConnection = true;
                            await response.SendAsync(500, HttpLiterals.TextPlain, default).ConfigureAwait(false);
                        }

                        return;
                    }

                    if (context.IsUpgraded)
                    {
                        return;
                    }

                    if (!response.HasStarted)
                    {
                        await response.SendAsync(500, HttpLiterals.TextPlain, default).ConfigureAwait(false);
                    }
                }

                if (response.CloseConnection || !request.KeepAlive)
                {
                    return;
                }

                request.ReleaseBuffers();
                response.Reset();
            }
        }
        catch (Exception ex) when (ex is IOException or InvalidOperationException or OperationCanceledException or ObjectDisposedException)
        {
            // The peer went away or the pipe was completed under us: nothing to answer.
        }
        finally
        {
            context.EndDeadline();
            request.ReleaseBuffers();
        }
    }

    private static async ValueTask<bool> ReadBodyAsync(PipeReader input, HttpRequest request)
    {
        request.RentBody((int)request.ContentLength);
        var body = request.BodyMemory;
        var received = 0;
        while (true)
        {
            var result = await input.ReadAsync().ConfigureAwait(false);
            var buffer = result.Buffer;
            if (HttpBodyReader.TryRead(buffer, body.Span, ref received, out var consumed))
            {
                input.AdvanceTo(consumed);
                return true;
            }

            // Everything that arrived was taken: the pipe is empty again and the socket keeps reading.
            input.AdvanceTo(consumed, buffer.End);
            if (result.IsCompleted || result.IsCanceled)
            {
                return false;
            }
        }
    }

    private static async ValueTask<bool> SkipBodyAsync(PipeReader input, long length)
    {
        while (true)
        {
            var result = await input.ReadAsync().ConfigureAwait(false);
            var buffer = result.Buffer;
            if (HttpBodyReader.TrySkip(buffer, ref length, out var consumed))
            {
                input.AdvanceTo(consumed);
                return true;
            }

            input.AdvanceTo(consumed, buffer.End);
            if (result.IsCompleted || result.IsCanceled)
            {
                return false;
            }
        }
    }
}
