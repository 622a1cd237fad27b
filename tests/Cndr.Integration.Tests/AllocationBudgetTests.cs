using System.Text.Json;
using Cndr.Benchmarks.Scenarios;
using Cndr.Core.Protocol;
using Cndr.Core.Relay;
using Cndr.Core.Store;

namespace Cndr.Integration.Tests;

/// <summary>
/// The allocation budget (bench/allocation-budget.json: operation → most bytes allocated per call) checked on every
/// test run. Each operation is the one the benchmarks measure (same scenario classes, compiled from bench/), run
/// synchronously on the test thread: warm-up first, then the average of GC.GetAllocatedBytesForCurrentThread over
/// many calls (the least of three rounds). Behaviour only (bytes), never timing.
/// </summary>
public sealed class AllocationBudgetTests : IClassFixture<AllocationBudgetTests.Scenarios>
{
    private const int WarmUp = 1_000;
    private const int Measured = 4_000;
    private const int Rounds = 3;

    private static readonly Lazy<Dictionary<string, long>> s_budget = new(LoadBudget);

    private readonly Scenarios _s;

    public AllocationBudgetTests(Scenarios scenarios) => _s = scenarios;

    public static TheoryData<string> Operations => [.. Scenarios.Names];

    private static bool IsOptimizedBuild =>
        typeof(RelayHandler).Assembly.GetCustomAttributes(typeof(System.Diagnostics.DebuggableAttribute), false)
            is not [System.Diagnostics.DebuggableAttribute { IsJITOptimizerDisabled: true }];

    [Theory]
    [MemberData(nameof(Operations))]
    public void OperationStaysWithinItsAllocationBudget(string operation)
    {
        Assert.True(s_budget.Value.TryGetValue(operation, out var budget), $"{operation} has no entry in bench/allocation-budget.json");
        var op = _s.Get(operation);

        for (var i = 0; i < WarmUp; i++)
        {
            Assert.True(op(), $"{operation} did not complete synchronously");
        }

        // The least of a few rounds: an allocation made on every call shows in each of them, a one-off does not fail the
        // budget (CI once saw poll_response at 1 B per call, 4-8 KB in one round, never reproduced when run alone).
        var perCall = long.MaxValue;
        for (var round = 0; round < Rounds; round++)
        {
            var before = GC.GetAllocatedBytesForCurrentThread();
            for (var i = 0; i < Measured; i++)
            {
                op();
            }

            perCall = Math.Min(perCall, (GC.GetAllocatedBytesForCurrentThread() - before) / Measured);
        }

        if (!IsOptimizedBuild)
        {
            // Debug builds compile async state machines as classes: budgets are for the Release build that
            // scripts/test.sh and CI run. Here only the synchronous completion above is checked.
            return;
        }

        Assert.True(perCall <= budget, $"{operation} allocates {perCall} B per call; its budget is {budget} B");
    }

    [Fact]
    public void EveryBudgetEntryNamesAMeasuredOperation()
    {
        var unknown = s_budget.Value.Keys.Except(Scenarios.Names).ToList();
        Assert.True(unknown.Count == 0, "budget entries without a measurement: " + string.Join(", ", unknown));
    }

    [Fact]
    public void TheScenariosDoWhatTheBudgetClaims()
    {
        // set_game_state reaches the 58 other members of the room; a message reaches the host; a poll_response is acked.
        _s.Relay.ResetCounts();
        Assert.True(_s.Relay.SetGameState());
        Assert.Equal(58, _s.Relay.RoomSends - _s.Relay.Host.Sends);
        _s.Relay.ResetCounts();
        Assert.True(_s.Relay.MessageToHost());
        Assert.Equal(1, _s.Relay.Host.Sends);
        _s.Relay.ResetCounts();
        Assert.True(_s.Relay.PollResponse());
        Assert.Equal(1, _s.Relay.Audience[0].Acks);

        // The broadcast over 100 WebSocket sessions writes the 1 KiB state into every pipe.
        NodeScenario.Inbound(_s.Node.Host, _s.NodePacket);
        Assert.True(_s.Node.DrainAll() > 100L * WireSamples.GameState1K.Length);

        // A GET carries the 10 queued packets separated by 0x1E, the binary one as b+base64.
        var body = _s.Polling.GetResponseText();
        var records = body[(body.IndexOf("\r\n\r\n", StringComparison.Ordinal) + 4)..].Split('\u001e');
        Assert.Equal(10, records.Length);
        Assert.StartsWith("42[\"game_state\"", records[0], StringComparison.Ordinal);
        Assert.StartsWith("b", records[9], StringComparison.Ordinal);

        // A POST of 4 records hands 3 packets to the handler (the noop is consumed by Engine.IO).
        var received = _s.Polling.Received;
        Assert.True(_s.Polling.Post());
        Assert.Equal(received + 3, _s.Polling.Received);

        // The inbound frame parses down to a name and arguments.
        Assert.True(_s.Frame.Parse() > 0);
    }

    private static Dictionary<string, long> LoadBudget()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "bench", "allocation-budget.json")))
        {
            dir = dir.Parent;
        }

        Assert.NotNull(dir);
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir.FullName, "bench", "allocation-budget.json")));
        return doc.RootElement.GetProperty("operations").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetInt64());
    }

    /// <summary>The scenarios, built once for the class (the relay room, a node with 100 WebSocket sessions, a polling session).</summary>
    public sealed class Scenarios : IDisposable
    {
        public static readonly string[] Names =
        [
            "websocket.parse_inbound_event",
            "socketio.encode_event_frame",
            "polling.parse_post_4_records",
            "polling.encode_get_10_packets",
            "dispatch.set_game_state_to_58",
            "dispatch.set_player_state",
            "dispatch.message_to_host",
            "dispatch.message_to_host_queued",
            "dispatch.poll_response",
            "dispatch.poll_results_request_50_answers",
            "dispatch.handshake_and_disconnect",
            "broadcast.set_game_state_to_100_websockets",
            "send_ring.round_of_28_sends",
            "rate_limiter.try_consume",
            "poll_aggregation.single_choice_10000",
        ];

        private readonly ClientSession _rateSession = new(new SinkConnection("rate"));
        private readonly PollSnapshot _singleChoice = PollSamples.Snapshot(PollType.SingleChoice, 10_000);
        private long _now;

        internal RelayScenario Relay { get; } = new();

        internal NodeScenario Node { get; } = new(players: 0, audience: 100);

        internal byte[] NodePacket { get; } = NodeScenario.SetGameStatePacket(WireSamples.GameState1K);

        internal PollingScenario Polling { get; } = new(queuedPackets: 10);

        internal SendRingScenario SendRing { get; } = new(receivers: 28);

        internal InboundFrame Frame { get; } = new("set_game_state", [.. "{\"state\":"u8, .. WireSamples.GameState1K, .. "}"u8]);

        internal Func<bool> Get(string name) => name switch
        {
            "websocket.parse_inbound_event" => () => Frame.Parse() > 0,
            "socketio.encode_event_frame" => () =>
            {
                var m = WireSamples.EncodeGameStateEvent(WireSamples.GameState1K, 7);
                m.Release();
                return true;
            },
            "polling.parse_post_4_records" => Polling.Post,
            "polling.encode_get_10_packets" => () => Polling.Get() > 0,
            "dispatch.set_game_state_to_58" => Relay.SetGameState,
            "dispatch.set_player_state" => Relay.SetPlayerState,
            "dispatch.message_to_host" => Relay.MessageToHost,
            "dispatch.message_to_host_queued" => Relay.MessageToHostQueued,
            "dispatch.poll_response" => Relay.PollResponse,
            "dispatch.poll_results_request_50_answers" => Relay.PollResults,
            "dispatch.handshake_and_disconnect" => Relay.HandshakeAndDisconnect,
            "broadcast.set_game_state_to_100_websockets" => () =>
            {
                var sync = NodeScenario.Inbound(Node.Host, NodePacket);
                Node.DrainAll();
                return sync;
            },
            "send_ring.round_of_28_sends" => () => SendRing.Round() > 0,
            "rate_limiter.try_consume" => () => _rateSession.TryConsumeRate(++_now, 100, 60_000) >= 0,
            "poll_aggregation.single_choice_10000" => () => PollCodec.BuildPollResults(_singleChoice).Length > 0,
            _ => throw new ArgumentOutOfRangeException(nameof(name), name, "unknown operation"),
        };

        public void Dispose()
        {
            Relay.Dispose();
            Node.Dispose();
            SendRing.Dispose();
        }
    }
}
