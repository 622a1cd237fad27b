using System.Net;
using System.Net.WebSockets;
using System.Text;
using Cndr.Transport.EngineIO;
using Cndr.Transport.SocketIO;

namespace Cndr.Transport.Tests;

/// <summary>
/// The Engine.IO session lifecycle (<see cref="EngineIOSessionState"/>) over real sockets, against the raw echo
/// endpoint: each transition, and each race between a close and the polling → WebSocket upgrade.
/// </summary>
public class EngineIOSessionLifecycleTests
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(10);
    private const char RS = '\u001e';

    /// <summary>A raw Engine.IO client on the echo endpoint: polling requests and the WebSocket probe.</summary>
    private sealed class RawClient : IDisposable
    {
        private readonly HttpClient _http;
        private readonly string _base;

        private RawClient(TestServer server, HttpClient http, string sid)
        {
            Server = server;
            _http = http;
            Sid = sid;
            _base = $"{server.Url}/engine.io/?EIO=4&transport=polling&sid={sid}";
        }

        public TestServer Server { get; }

        public string Sid { get; }

        public EngineIOSession Session => Server.Echoes.Sessions[Sid];

        public static async Task<RawClient> OpenAsync(TestServer server)
        {
            var http = new HttpClient { Timeout = s_timeout };
            var open = await http.GetStringAsync($"{server.Url}/engine.io/?EIO=4&transport=polling");
            Assert.StartsWith("0{\"sid\":\"", open, StringComparison.Ordinal);
            return new RawClient(server, http, open.Substring(9, 16));
        }

        /// <summary>The packets of one poll, or ["&lt;400&gt;"] and the like for an error status.</summary>
        public async Task<string[]> GetAsync()
        {
            using var res = await _http.GetAsync(_base);
            var body = await res.Content.ReadAsStringAsync();
            return res.StatusCode == HttpStatusCode.OK ? body.Split(RS) : [$"<{(int)res.StatusCode}>"];
        }

        public async Task<string> PostAsync(string payload)
        {
            using var res = await _http.PostAsync(_base, new StringContent(payload, Encoding.UTF8, "text/plain"));
            var body = await res.Content.ReadAsStringAsync();
            return res.StatusCode == HttpStatusCode.OK ? body : $"<{(int)res.StatusCode}>";
        }

        public async Task<ClientWebSocket> ProbeAsync()
        {
            var ws = new ClientWebSocket();
            await ws.ConnectAsync(new Uri($"ws://127.0.0.1:{Server.Port}/engine.io/?EIO=4&transport=websocket&sid={Sid}"), CancellationToken.None).WaitAsync(s_timeout);
            return ws;
        }

        /// <summary>Sends <c>2probe</c> and reads <c>3probe</c>: the session is Upgrading and the client "pauses polling".</summary>
        public async Task<ClientWebSocket> ProbeAndPauseAsync()
        {
            var ws = await ProbeAsync();
            await SendAsync(ws, "2probe");
            Assert.Equal("3probe", await ReceiveAsync(ws));
            await WaitForAsync(() => Session.State == EngineIOSessionState.Upgrading);
            return ws;
        }

        public void Dispose() => _http.Dispose();
    }

    private static Task SendAsync(ClientWebSocket ws, string text)
        => ws.SendAsync(Encoding.UTF8.GetBytes(text), WebSocketMessageType.Text, true, CancellationToken.None).WaitAsync(s_timeout);

    /// <summary>The next text message, <c>&lt;close N&gt;</c> for a close frame, or <c>&lt;gone&gt;</c> when the connection was cut.</summary>
    private static async Task<string> ReceiveAsync(ClientWebSocket ws)
    {
        var buffer = new byte[64 * 1024];
        try
        {
            var r = await ws.ReceiveAsync(buffer, CancellationToken.None).WaitAsync(s_timeout);
            return r.MessageType == WebSocketMessageType.Close ? $"<close {(int?)ws.CloseStatus}>" : Encoding.UTF8.GetString(buffer, 0, r.Count);
        }
        catch (WebSocketException)
        {
            return "<gone>";
        }
    }

    /// <summary>A server whose heartbeat stays out of the way (no ping lands in a poll the test inspects).</summary>
    private static TestServer QuietServer() => new(o => { o.PingInterval = 20_000; o.PingTimeout = 20_000; });

    /// <summary>Bounded wait for a state the server reaches asynchronously.</summary>
    private static async Task WaitForAsync(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow + s_timeout;
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "condition not reached within " + s_timeout);
            await Task.Delay(5);
        }
    }

    private static void Queue(EngineIOSession session, string packet)
    {
        var m = OutboundMessage.Create();
        m.Write(Encoding.UTF8.GetBytes(packet));
        m.Complete();
        Assert.True(session.Send(m));
        m.Release();
    }

    [Fact]
    public void OnlyTheDocumentedTransitionsAreAllowed()
    {
        var allowed = new HashSet<(EngineIOSessionState, EngineIOSessionState)>();
        foreach (var from in Enum.GetValues<EngineIOSessionState>())
        {
            foreach (var to in Enum.GetValues<EngineIOSessionState>())
            {
                if (EngineIOSession.IsAllowed(from, to))
                {
                    allowed.Add((from, to));
                }
            }
        }

        var o = EngineIOSessionState.Opening;
        var p = EngineIOSessionState.Polling;
        var pr = EngineIOSessionState.Probing;
        var u = EngineIOSessionState.Upgrading;
        var w = EngineIOSessionState.WebSocket;
        var c = EngineIOSessionState.Closing;
        var x = EngineIOSessionState.Closed;
        HashSet<(EngineIOSessionState, EngineIOSessionState)> expected =
        [
            (o, p), (o, w), (p, pr), (pr, u), (pr, p), (pr, w), (u, p), (u, w),
            (o, c), (p, c), (pr, c), (u, c), (w, c),
            (o, x), (p, x), (pr, x), (u, x), (w, x), (c, x),
        ];
        Assert.Equal(expected.OrderBy(t => t), allowed.OrderBy(t => t));
    }

    [Fact]
    public async Task APollingSessionMovesThroughEveryStateToWebSocketAndThenClosed()
    {
        await using var server = QuietServer();
        using var client = await RawClient.OpenAsync(server);
        Assert.Equal(EngineIOSessionState.Polling, client.Session.State);
        Assert.Equal(1, server.Echo.Counters.PollingSessions);

        using var ws = await client.ProbeAsync();
        await WaitForAsync(() => client.Session.State == EngineIOSessionState.Probing);
        await SendAsync(ws, "2probe");
        Assert.Equal("3probe", await ReceiveAsync(ws));
        await WaitForAsync(() => client.Session.State == EngineIOSessionState.Upgrading);
        Assert.Equal(["6"], await client.GetAsync()); // a poll while upgrading completes at once

        await SendAsync(ws, "5");
        await WaitForAsync(() => client.Session.State == EngineIOSessionState.WebSocket);
        Assert.Equal(0, server.Echo.Counters.PollingSessions);
        Assert.Equal(["<400>"], await client.GetAsync());
        await SendAsync(ws, "4hi");
        Assert.Equal("4hi", await ReceiveAsync(ws));

        var session = client.Session;
        session.Close();
        Assert.Equal("<close 1000>", await ReceiveAsync(ws));
        await WaitForAsync(() => session.State == EngineIOSessionState.Closed);
        Assert.Equal(0, server.Echo.SessionCount);
    }

    [Fact]
    public async Task AServerCloseAfterTheProbeReplyIsDeliveredOnTheUpgradedWebSocket()
    {
        // The stock client pauses polling after 3probe and sends 5 on the probe: no GET will come.
        await using var server = QuietServer();
        using var client = await RawClient.OpenAsync(server);
        using var ws = await client.ProbeAndPauseAsync();
        var session = client.Session;
        Queue(session, "4one");
        Queue(session, "4two");
        session.Close();
        Assert.Equal(EngineIOSessionState.Closing, session.State);

        await SendAsync(ws, "5");
        Assert.Equal("4one", await ReceiveAsync(ws));
        Assert.Equal("4two", await ReceiveAsync(ws));
        Assert.Equal("<close 1000>", await ReceiveAsync(ws));
        await WaitForAsync(() => session.State == EngineIOSessionState.Closed);
        Assert.Equal(0, server.Echo.SessionCount);
    }

    [Fact]
    public async Task AServerCloseAfterTheProbeReplyGoesOutOnAPollThatStillComes()
    {
        // A client whose probe then fails polls again: the packets and the close packet come that way.
        await using var server = QuietServer();
        using var client = await RawClient.OpenAsync(server);
        using var ws = await client.ProbeAndPauseAsync();
        var session = client.Session;
        Queue(session, "4one");
        session.Close();
        Assert.Equal(["4one"], await client.GetAsync());
        Assert.Equal(["1"], await client.GetAsync());
        Assert.Equal(EngineIOSessionState.Closed, session.State);
        Assert.Equal("<gone>", await ReceiveAsync(ws)); // the probe is cut once the close went out
    }

    [Fact]
    public async Task AServerCloseWhileProbingGoesOutOnThePendingGetThenTheNextGet()
    {
        await using var server = QuietServer();
        using var client = await RawClient.OpenAsync(server);
        var poll = client.GetAsync();
        using var ws = await client.ProbeAsync();
        await WaitForAsync(() => client.Session.State == EngineIOSessionState.Probing);
        var session = client.Session;
        Queue(session, "4one");
        session.Close();
        Assert.Equal(["4one"], await poll);
        Assert.Equal(["1"], await client.GetAsync());
        Assert.Equal(EngineIOSessionState.Closed, session.State);
        Assert.Equal(["<400>"], await client.GetAsync());
    }

    [Fact]
    public async Task AServerCloseDuringAPendingGetDeliversEveryPacketThenTheClosePacket()
    {
        await using var server = QuietServer();
        using var client = await RawClient.OpenAsync(server);
        var poll = client.GetAsync();
        await WaitForAsync(() => server.Echo.Counters.PollingSessions == 1);
        var session = client.Session;
        Queue(session, "4a");
        Queue(session, "4b");
        session.Close();

        // The pending GET may be answered as soon as "4a" is there (Engine.IO lets a server flush whatever it holds): the
        // packets can come over more than one GET, but all of them, in order, and the close packet after them.
        var received = new List<string>(await poll);
        for (var i = 0; i < 3 && !received.Contains("1"); i++)
        {
            received.AddRange(await client.GetAsync());
        }

        Assert.Equal(["4a", "4b", "1"], received);
        Assert.Equal(["<400>"], await client.GetAsync());
        Assert.Equal(0, server.Echo.SessionCount);
    }

    [Fact]
    public async Task AServerCloseDuringAPostStopsThereAndTheRepliesBeforeItArrive()
    {
        await using var server = QuietServer();
        using var client = await RawClient.OpenAsync(server);
        Assert.Equal("ok", await client.PostAsync($"4x{RS}4bye{RS}4after"));
        Assert.Equal(["4x", "4bye"], await client.GetAsync());
        Assert.Equal(["1"], await client.GetAsync());
        Assert.Equal(DisconnectReason.ServerShutdown, Assert.Single(server.Echoes.Closes).Reason);
    }

    [Fact]
    public async Task ThePingTimeoutDuringAProbeClosesTheSessionAndTheUpgradeThenFails()
    {
        await using var server = new TestServer(o => { o.PingInterval = 1500; o.PingTimeout = 1500; });
        using var client = await RawClient.OpenAsync(server);
        using var ws = await client.ProbeAndPauseAsync();
        var session = client.Session;
        await WaitForAsync(() => !server.Echoes.Closes.IsEmpty);
        Assert.Equal(EngineIOSessionState.Closed, session.State);
        Assert.Equal(DisconnectReason.PingTimeout, Assert.Single(server.Echoes.Closes).Reason);
        Assert.Equal("<gone>", await ReceiveAsync(ws));
    }

    [Fact]
    public async Task AnUpgradeThatBeatsThePingTimeoutCarriesThePingAndTheSessionLives()
    {
        // The upgrade must finish within interval + timeout: 1.8 s, not 0.9 s, leaves room for a cold process (JIT) on a
        // busy two-core machine, where 0.9 s failed about one run in six before any change to the server.
        await using var server = new TestServer(o => { o.PingInterval = 300; o.PingTimeout = 1500; });
        using var client = await RawClient.OpenAsync(server);
        using var ws = await client.ProbeAndPauseAsync();
        await SendAsync(ws, "5");
        await WaitForAsync(() => client.Session.State == EngineIOSessionState.WebSocket);
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal("2", await ReceiveAsync(ws)); // pings queued during the upgrade come on the WebSocket
            await SendAsync(ws, "3");
        }

        Assert.Equal(EngineIOSessionState.WebSocket, client.Session.State);
        Assert.Empty(server.Echoes.Closes);
    }

    [Fact]
    public async Task ASecondGetWhileOneIsPendingClosesTheSession()
    {
        await using var server = QuietServer();
        using var client = await RawClient.OpenAsync(server);
        var session = client.Session;
        var first = client.GetAsync();
        await WaitForAsync(() => IsGetPending(session));
        Assert.Equal(["<400>"], await client.GetAsync());
        Assert.Equal(["1"], await first);
        Assert.Equal(EngineIOSessionState.Closed, session.State);
        await WaitForAsync(() => !server.Echoes.Closes.IsEmpty);
        Assert.Equal(DisconnectReason.TransportError, Assert.Single(server.Echoes.Closes).Reason);
    }

    [Fact]
    public async Task AClientCloseMidUpgradeClosesTheSessionAndItsProbe()
    {
        await using var server = QuietServer();
        using var client = await RawClient.OpenAsync(server);
        using var ws = await client.ProbeAndPauseAsync();
        var session = client.Session;
        Assert.Equal("ok", await client.PostAsync("1"));
        Assert.True(session.IsClosed);
        Assert.Equal(DisconnectReason.TransportClose, Assert.Single(server.Echoes.Closes).Reason);
        Assert.Equal("<gone>", await ReceiveAsync(ws));
        Assert.Equal(["6"], await client.GetAsync()); // the GET the close POST overtook still gets its noop
        Assert.Equal(EngineIOSessionState.Closed, session.State);
    }

    [Fact]
    public async Task AProbeThatEndsBeforeUpgradingReturnsTheSessionToPolling()
    {
        await using var server = QuietServer();
        using var client = await RawClient.OpenAsync(server);
        using (var ws = await client.ProbeAndPauseAsync())
        {
            await ws.CloseAsync(WebSocketCloseStatus.NormalClosure, null, CancellationToken.None).WaitAsync(s_timeout);
        }

        await WaitForAsync(() => client.Session.State == EngineIOSessionState.Polling);
        Assert.Equal("ok", await client.PostAsync("4still-here"));
        Assert.Equal(["4still-here"], await client.GetAsync());
        using var again = await client.ProbeAndPauseAsync();
        await SendAsync(again, "5");
        await WaitForAsync(() => client.Session.State == EngineIOSessionState.WebSocket);
    }

    private static bool IsGetPending(EngineIOSession session) => session.HasPendingGet;
}
