using System.Collections.Concurrent;
using System.Net;
using System.Text;
using Cndr.Transport.EngineIO;
using Cndr.Transport.Http;
using Cndr.Transport.SocketIO;

namespace Cndr.Transport.Tests;

/// <summary>An HTTP + Socket.IO server on 127.0.0.1 (free port) with <see cref="TestHandler"/> on <c>/</c> and a raw echo on <c>/engine.io/</c>.</summary>
internal sealed class TestServer : IAsyncDisposable
{
    public TestServer(Action<EngineIOOptions>? configure = null, Action<HttpServerOptions>? configureHttp = null)
    {
        var httpOptions = new HttpServerOptions();
        httpOptions.Listener.EndPoints.Add(new IPEndPoint(IPAddress.Loopback, 0));
        configureHttp?.Invoke(httpOptions);
        Http = new HttpServer(httpOptions);
        Options = new EngineIOOptions { PingInterval = 300, PingTimeout = 1000, MaxPayload = 100_000 };
        configure?.Invoke(Options);
        IO = new SocketIOServer(Options);
        IO.AddNamespace("/", Handler);
        IO.MapTo(Http);
        var echoOptions = new EngineIOOptions { Path = "/engine.io/", PingInterval = Options.PingInterval, PingTimeout = Options.PingTimeout, MaxPayload = Options.MaxPayload, MaxOutboundBytes = Options.MaxOutboundBytes, CloseTimeout = Options.CloseTimeout };
        foreach (var o in Options.AllowedOrigins.Where(o => o != "*"))
        {
            echoOptions.AllowedOrigins.Add(o);
        }

        if (!Options.AllowedOrigins.Contains("*"))
        {
            echoOptions.AllowedOrigins.Remove("*");
        }

        Echo = new EngineIOServer(echoOptions, Echoes);
        Echo.MapTo(Http);
        Http.Router.Map(HttpVerb.Get, "/health", static ctx => ctx.Response.SendAsync(200, "text/plain"u8, "ok"u8));
        Http.Start();
    }

    public HttpServer Http { get; }

    public SocketIOServer IO { get; }

    public EngineIOServer Echo { get; }

    public EngineIOOptions Options { get; }

    public TestHandler Handler { get; } = new();

    public EchoHandler Echoes { get; } = new();

    public int Port => Http.EndPoints[0].Port;

    public string Url => $"http://127.0.0.1:{Port}";

    public ValueTask DisposeAsync()
    {
        IO.CloseAll();
        Echo.CloseAll();
        return Http.DisposeAsync();
    }

    /// <summary>Echoes every message; the text <c>bye</c> is echoed and then the server closes the session.</summary>
    internal sealed class EchoHandler : IEngineIOHandler
    {
        public ConcurrentDictionary<string, EngineIOSession> Sessions { get; } = new();

        public ConcurrentQueue<(string Sid, DisconnectReason Reason)> Closes { get; } = new();

        public void OnOpen(EngineIOSession session) => Sessions[session.Id] = session;

        public ValueTask OnMessageAsync(EngineIOSession session, ReadOnlyMemory<byte> data, bool isBinary)
        {
            OutboundMessage m;
            if (isBinary)
            {
                m = OutboundMessage.CreateBinaryMessage(data.Span);
            }
            else
            {
                m = OutboundMessage.Create();
                m.WriteByte((byte)'4');
                m.Write(data.Span);
                m.Complete();
            }

            session.Send(m);
            m.Release();
            if (!isBinary && data.Span.SequenceEqual("bye"u8))
            {
                session.Close();
            }

            return default;
        }

        public void OnClose(EngineIOSession session, DisconnectReason reason) => Closes.Enqueue((session.Id, reason));
    }
}

/// <summary>
/// Test namespace: refuses auth containing <c>"refuse":true</c>; greets with <c>welcome</c>(auth); <c>echo</c> →
/// <c>echo-back</c>; <c>ack-me</c> → ack with the same args; <c>ask-me</c> → server emit-with-ack <c>question</c>("life"),
/// the answer is sent back as <c>answer-was</c>; <c>kick</c> → server disconnect.
/// </summary>
internal sealed class TestHandler : ISocketIOHandler, ISocketIOAckHandler
{
    public ConcurrentQueue<(string Auth, DisconnectReason Reason)> Disconnects { get; } = new();

    public ConcurrentQueue<string> Events { get; } = new();

    public ConcurrentQueue<ISocketIOConnection> Connected { get; } = new();

    public ConcurrentQueue<string> AckTimeouts { get; } = new();

    public ValueTask<ConnectDecision> OnConnectAsync(ISocketIOConnection connection, ReadOnlyMemory<byte> auth)
    {
        var text = Encoding.UTF8.GetString(auth.Span);
        if (text.Contains("\"refuse\":true", StringComparison.Ordinal))
        {
            return new(ConnectDecision.Refuse("{\"message\":\"refused\",\"data\":{\"code\":\"NOPE\"}}"u8.ToArray()));
        }

        connection.UserState = text.Length == 0 ? "{}" : text;
        return new(ConnectDecision.Accept);
    }

    public void OnConnected(ISocketIOConnection connection)
    {
        Connected.Enqueue(connection);
        var auth = (string)connection.UserState!;
        if (auth.Contains("\"slowWelcome\":true", StringComparison.Ordinal))
        {
            Thread.Sleep(200); // a handler that takes its time before its first event (the CONNECT reply must wait for it)
        }

        Emit(connection, "[\"welcome\"," + auth + "]");
    }

    /// <summary>Sends the event <paramref name="array"/> (a JSON array: name, arguments) to <paramref name="c"/>.</summary>
    internal static void Emit(ISocketIOConnection c, string array)
    {
        var m = OutboundMessage.CreateEvent(default);
        m.Write(Encoding.UTF8.GetBytes(array));
        m.Complete();
        c.Send(m);
        m.Release();
    }

    public ValueTask OnEventAsync(ISocketIOConnection connection, SocketIOEvent evt)
    {
        var name = Encoding.UTF8.GetString(evt.Name.Span);
        Events.Enqueue(name);
        switch (name)
        {
            case "echo":
            {
                var m = evt.Attachments.Count > 0 ? OutboundMessage.CreateBinary(default, evt.Attachments.Count, -1, false) : OutboundMessage.CreateEvent(default);
                m.Write("[\"echo-back\""u8);
                if (!evt.Args.IsEmpty)
                {
                    m.WriteByte((byte)',');
                    m.Write(evt.Args.Span);
                }

                m.WriteByte((byte)']');
                foreach (var a in evt.Attachments)
                {
                    m.AddAttachment(a.Span);
                }

                m.Complete();
                connection.Send(m);
                m.Release();
                break;
            }

            case "ack-me" when evt.WantsAck:
                if (evt.Attachments.Count > 0)
                {
                    var m = OutboundMessage.CreateBinary(default, evt.Attachments.Count, evt.AckId, true);
                    m.WriteByte((byte)'[');
                    m.Write(evt.Args.Span);
                    m.WriteByte((byte)']');
                    foreach (var a in evt.Attachments)
                    {
                        m.AddAttachment(a.Span);
                    }

                    m.Complete();
                    connection.Send(m);
                    m.Release();
                }
                else
                {
                    connection.SendAck(evt.AckId, Encoding.UTF8.GetBytes("[" + Encoding.UTF8.GetString(evt.Args.Span) + "]"));
                }

                break;
            case "ask-me":
                connection.EmitWithAck("[\"question\",\"life\"]"u8, this, null, 5000);
                break;
            case "ask-silent":
                connection.EmitWithAck("[\"silent-question\"]"u8, this, "silent", 300);
                break;
            case "kick":
                connection.Disconnect();
                break;
        }

        return default;
    }

    public void OnDisconnected(ISocketIOConnection connection, DisconnectReason reason)
        => Disconnects.Enqueue(((string?)connection.UserState ?? "", reason));

    public void OnAck(ISocketIOConnection connection, object? state, ReadOnlyMemory<byte> argsJsonArray, IReadOnlyList<ReadOnlyMemory<byte>> attachments)
    {
        var args = Encoding.UTF8.GetString(argsJsonArray.Span);
        Emit(connection, "[\"answer-was\"," + args[1..^1] + "]");
    }

    public void OnAckTimeout(ISocketIOConnection connection, object? state) => AckTimeouts.Enqueue((string?)state ?? "");
}
