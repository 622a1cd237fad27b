using BenchmarkDotNet.Attributes;
using Cndr.Benchmarks.Scenarios;

namespace Cndr.Benchmarks;

/// <summary>
/// One inbound relay command through the whole dispatch (name match, argument read, store, encode once, fan-out, ack)
/// on the embedded store, with sink connections (no transport). Room: 1 host + 8 players + 50 audience.
/// Target: 0 B per message for set_game_state, set_player_state, message_to_host and poll_response.
/// </summary>
[MemoryDiagnoser]
public class DispatchBenchmarks
{
    private RelayScenario _scenario = null!;

    [GlobalSetup]
    public void Setup()
    {
        _scenario = new RelayScenario();
        _scenario.ResetCounts();
        _scenario.SetGameState();
        if (_scenario.RoomSends != 58)
        {
            throw new InvalidOperationException($"set_game_state reached {_scenario.RoomSends} connections, not 58");
        }
    }

    [GlobalCleanup]
    public void Cleanup() => _scenario.Dispose();

    /// <summary>A connection joins as audience by connect-auth (store join, handshake_response) and disconnects.</summary>
    [Benchmark]
    public bool HandshakeAndDisconnect() => _scenario.HandshakeAndDisconnect();

    /// <summary>set_game_state (1 KiB) → stored, game_state encoded once to 58 recipients, ack.</summary>
    [Benchmark]
    public bool SetGameState() => _scenario.SetGameState();

    /// <summary>set_player_state → stored, player_state to one player, ack.</summary>
    [Benchmark]
    public bool SetPlayerState() => _scenario.SetPlayerState();

    /// <summary>message_to_host → delivered directly to the connected host, ack.</summary>
    [Benchmark]
    public bool MessageToHostDirect() => _scenario.MessageToHost();

    /// <summary>message_to_host while the host is away → queued in the store (drained every 500), ack.</summary>
    [Benchmark]
    public bool MessageToHostQueued() => _scenario.MessageToHostQueued();

    /// <summary>poll_start + poll_end of a new single_choice poll (poll_started / poll_ended to the audience).</summary>
    [Benchmark]
    public bool PollStartAndEnd() => _scenario.PollStartEnd();

    /// <summary>poll_response (validated, normalised, stored; last answer wins), ack.</summary>
    [Benchmark]
    public bool PollResponse() => _scenario.PollResponse();

    /// <summary>poll_results_request → poll_results over 50 answers, as event and ack.</summary>
    [Benchmark]
    public bool PollResultsRequest() => _scenario.PollResults();
}
