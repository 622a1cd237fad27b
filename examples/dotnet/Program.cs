// A whole cndr round from .NET with SocketIOClient (the client a Unity or .NET game would use): host, a player
// and an audience member join; game state, private player state, a message to the host, a poll with
// results, the player's seat reclaimed after its connection dropped, and closing the room.
//   dotnet run --project examples/dotnet -- URL ROOMCODE HOSTKEY
// Exits 0 when every step worked, 1 otherwise; never runs longer than 60 s.
using CndrRound;

if (args.Length < 3)
{
    Console.Error.WriteLine("usage: cndr-round URL ROOMCODE HOSTKEY");
    return 2;
}

var (url, roomCode, hostKey) = (args[0], args[1], args[2]);
using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(60));
try
{
    await PlayRoundAsync().WaitAsync(deadline.Token);
    Console.WriteLine("cndr-round: a whole round worked");
    return 0;
}
catch (Exception e)
{
    Console.Error.WriteLine("cndr-round: " + e.Message);
    return 1;
}

async Task PlayRoundAsync()
{
    using var host = await RoomClient.JoinAsync(url, new { roomCode, role = "host", hostKey }, "client_joined", "client_disconnected", "client_message", "poll_results");
    Expect(host.Hello.GetProperty("status").GetString() == "success", "host joined room " + roomCode);

    var player = await RoomClient.JoinAsync(url, new { roomCode, role = "player", meta = new { playerName = "Ann" } }, "game_state", "player_state", "room_closed");
    var clientId = player.Hello.GetProperty("clientId").GetString()!;
    var seatToken = player.Hello.GetProperty("seatToken").GetString()!;
    var joined = await host.NextAsync("client_joined");
    Expect(joined.GetProperty("clientId").GetString() == clientId, $"player {joined.GetProperty("meta").GetProperty("playerName")} joined as {clientId}");

    using var audience = await RoomClient.JoinAsync(url, new { roomCode, role = "audience" }, "poll_started", "poll_ended", "room_closed");
    await host.NextAsync("client_joined");
    Expect(audience.Hello.GetProperty("role").GetString() == "audience", "an audience member joined");

    var set = await host.CallAsync("set_game_state", new { state = new { round = 1, board = new[] { "x", null, "o" } } });
    var state = await player.NextAsync("game_state");
    Expect(state.GetProperty("rev").GetInt64() == set.GetProperty("rev").GetInt64(), $"game state rev {set.GetProperty("rev")} reached the player: {state.GetProperty("state")}");

    await host.CallAsync("set_player_state", new { clientId, state = new { hand = new[] { "A", "K" } } });
    var hand = await player.NextAsync("player_state");
    Expect(hand.GetProperty("state").GetProperty("hand")[1].GetString() == "K", "private state reached its player: " + hand.GetProperty("state"));

    await player.CallAsync("message_to_host", new { message = new { move = 4 } });
    var message = await host.NextAsync("client_message");
    Expect(message.GetProperty("clientId").GetString() == clientId && message.GetProperty("message").GetProperty("move").GetInt32() == 4, "host got the player's message: " + message.GetProperty("message"));

    await host.CallAsync("poll_start", new { pollId = "colour", type = "single_choice", question = "Red or blue?", options = new[] { "red", "blue" } });
    var poll = await audience.NextAsync("poll_started");
    await audience.CallAsync("poll_response", new { pollId = poll.GetProperty("pollId").GetString(), response = "option_1" });
    await host.CallAsync("poll_end", new { pollId = "colour" });
    await audience.NextAsync("poll_ended");
    var results = (await host.CallAsync("poll_results_request", new { pollId = "colour" })).GetProperty("results");
    Expect(results.GetProperty("option_1").GetInt32() == 1 && results.GetProperty("totalResponses").GetInt32() == 1, "poll results: " + results);

    // The player's connection drops (the app was killed, the network went away); the seat stays held and the
    // player comes back into it with clientId + seatToken, on this node or any other.
    await player.DropAsync();
    var dropped = await host.NextAsync("client_disconnected");
    Expect(dropped.GetProperty("clientId").GetString() == clientId, "host saw the player's connection drop");
    using var back = await RoomClient.JoinAsync(url, new { roomCode, role = "player", clientId, seatToken }, "game_state", "room_closed");
    Expect(back.Hello.GetProperty("reconnected").GetBoolean() && back.Hello.GetProperty("clientId").GetString() == clientId, "player reclaimed its seat");
    Expect(back.Hello.GetProperty("playerState").GetProperty("hand")[0].GetString() == "A", "and found its private state in the handshake response");
    var rejoined = await host.NextAsync("client_joined");
    Expect(rejoined.GetProperty("reconnected").GetBoolean(), "host saw the seat come back");

    await host.CallAsync("close_room", new { });
    var closed = await back.NextAsync("room_closed");
    await audience.NextAsync("room_closed");
    Expect(closed.GetProperty("reason").GetString() == "closed_by_host", "room closed (closed_by_host)");
}

static void Expect(bool ok, string step)
{
    if (!ok)
    {
        throw new InvalidOperationException("check failed: " + step);
    }

    Console.WriteLine("- " + step);
}
