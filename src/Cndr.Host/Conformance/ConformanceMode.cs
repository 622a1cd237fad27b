using System.Net;
using Cndr.Transport.EngineIO;
using Cndr.Transport.Http;
using Cndr.Transport.SocketIO;

namespace Cndr.Host.Conformance;

/// <summary>
/// Serves what the official engine.io-protocol and socket.io-protocol test suites expect
/// (shared/CONFORMANCE.md): raw Engine.IO echo at <c>/engine.io/</c>, Socket.IO at <c>/socket.io/</c>
/// with namespaces <c>/</c> and <c>/custom</c>; pingInterval 300, pingTimeout 200, maxPayload 1000000.
/// </summary>
public static class ConformanceMode
{
    /// <summary>Runs until <paramref name="ct"/> is cancelled. Listens on 127.0.0.1 and ::1 (when available).</summary>
    public static async Task<int> RunAsync(int port, CancellationToken ct)
    {
        await using var server = Start(port, out var endpoints);
        Console.WriteLine($"cndr conformance mode listening on {string.Join(", ", endpoints)}");
        try
        {
            await Task.Delay(Timeout.Infinite, ct).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }

        return 0;
    }

    /// <summary>Starts the conformance server (tests); dispose it to stop.</summary>
    internal static HttpServer Start(int port, out IReadOnlyList<IPEndPoint> endpoints)
    {
        var options = new HttpServerOptions();
        options.Listener.EndPoints.Add(new IPEndPoint(IPAddress.Loopback, port));
        if (port != 0 && System.Net.Sockets.Socket.OSSupportsIPv6)
        {
            options.Listener.EndPoints.Add(new IPEndPoint(IPAddress.IPv6Loopback, port));
        }

        HttpServer server;
        try
        {
            server = Create(options);
            server.Start();
        }
        catch (System.Net.Sockets.SocketException) when (options.Listener.EndPoints.Count > 1)
        {
            // ::1 not available here: 127.0.0.1 only.
            options.Listener.EndPoints.RemoveAt(1);
            server = Create(options);
            server.Start();
        }

        endpoints = server.EndPoints;
        return server;
    }

    private static EngineIOOptions NewEngineOptions(string path)
    {
        return new EngineIOOptions
        {
            Path = path,
            PingInterval = 300,
            PingTimeout = 200,
            MaxPayload = 1_000_000,
            ConnectTimeout = 1000,
        };
    }

    private static HttpServer Create(HttpServerOptions options)
    {
        var server = new HttpServer(options);
        var echo = new EngineIOServer(NewEngineOptions("/engine.io/"), new EngineIOEcho());
        echo.MapTo(server);
        var io = new SocketIOServer(NewEngineOptions("/socket.io/"));
        io.AddNamespace("/", new ConformanceHandler(echo: true));
        io.AddNamespace("/custom", new ConformanceHandler(echo: false));
        io.MapTo(server);
        return server;
    }
}
