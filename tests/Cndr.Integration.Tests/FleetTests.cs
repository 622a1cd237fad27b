using System.Text.Json.Nodes;
using Cndr.Integration.Tests.Infrastructure;
using static Cndr.Integration.Tests.Infrastructure.RelayClients;

namespace Cndr.Integration.Tests;

/// <summary>
/// Through a real nginx in front of three cndr processes (scripts/fleet.sh, deploy/nginx/cndr.conf), with the official
/// client: a whole round over polling only, WebSocket only and the default upgrade with the clients spread over all
/// three nodes; then one node drained (SIGTERM) and one killed (SIGKILL) mid-game, and their players come back through
/// the balancer to another node and reclaim their seats.
/// </summary>
public sealed class FleetTests : IAsyncLifetime
{
    private JsClients _js = null!;

    public Task InitializeAsync()
    {
        _js = JsClients.Start();
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await _js.DisposeAsync();

    private static async Task<Dictionary<string, JsonNode>> MembersAsync(LocalFleet fleet, string code) =>
        (await fleet.AdminGetAsync("/admin/rooms/" + code))["members"]!.AsArray().ToDictionary(m => m!["clientId"]!.GetValue<string>(), m => m!);

    [Fact]
    public async Task AWholeRoundPlaysThroughTheBalancerOnEveryTransportAcrossAllNodes()
    {
        await using var fleet = await LocalFleet.UpAsync();
        var (code, key) = await fleet.CreateRoomAsync();
        await _js.HostAsync("h", fleet.Url, code, key, transport: "websocket");
        var transports = new[] { "polling", "websocket", "default", "polling", "websocket", "default" };
        var ids = new List<string>();
        for (var i = 0; i < transports.Length; i++)
        {
            var joined = await _js.PlayerAsync("p" + i, fleet.Url, code, meta: new { i }, transport: transports[i]);
            ids.Add(Str(joined, "clientId")!);
            await _js.NextAsync("h", "client_joined");
        }

        await _js.AudienceAsync("a", fleet.Url, code, transport: "polling");
        AssertOk(await _js.EmitAsync("h", "set_game_state", new { state = new { phase = "vote" } }));
        for (var i = 0; i < transports.Length; i++)
        {
            var gs = await _js.NextAsync("p" + i, "game_state", 5000);
            AssertJsonEqual("""{"phase":"vote"}""", gs!["state"]);
            AssertOk(await _js.EmitAsync("p" + i, "message_to_host", new { message = new { from = i } }));
        }

        for (var i = 0; i < transports.Length; i++)
        {
            var m = await _js.NextAsync("h", "client_message", 5000);
            Assert.Contains(Str(m, "clientId"), ids);
        }

        AssertJsonEqual("""{"phase":"vote"}""", (await _js.NextAsync("a", "game_state", 5000))!["state"]);
        Assert.Equal("websocket", await _js.TransportAsync("p2"));   // the default path upgraded through nginx
        Assert.Equal("polling", await _js.TransportAsync("p0"));

        var members = await MembersAsync(fleet, code);
        var nodes = members.Values.Select(m => m["nodeId"]!.GetValue<string>()).Distinct().ToList();
        Assert.True(nodes.Count == 3, "clients on " + string.Join(", ", nodes));
    }

    [Fact]
    public async Task PlayersOfADrainedAndOfAKilledNodeReclaimTheirSeatsThroughTheBalancer()
    {
        await using var fleet = await LocalFleet.UpAsync();
        var (code, key) = await fleet.CreateRoomAsync();
        await _js.HostAsync("h", fleet.NodeUrl(1), code, key);   // the host stays on node 1, which we leave alone

        // Players join through the balancer, then reconnect once with their seat so a stock client's automatic
        // reconnection carries clientId + seatToken.
        var seats = new Dictionary<string, (string ClientId, string Transport)>();
        var transports = new[] { "polling", "websocket", "default", "polling", "websocket", "default", "polling", "websocket", "default" };
        for (var i = 0; i < transports.Length; i++)
        {
            var first = await _js.PlayerAsync("first" + i, fleet.Url, code, transport: "websocket");
            await _js.DisconnectAsync("first" + i);
            var auth = new { roomCode = code, role = "player", clientId = Str(first, "clientId"), seatToken = Str(first, "seatToken") };
            var options = Options(transports[i], auth);
            options["reconnection"] = true;
            options["reconnectionDelay"] = 200;
            options["reconnectionDelayMax"] = 1000;
            var c = await _js.ConnectAsync("p" + i, fleet.Url, options);
            Assert.True(c.Connected, c.ErrorMessage);
            Assert.Equal("success", Str(await _js.NextAsync("p" + i, "handshake_response"), "status"));
            seats["p" + i] = (Str(first, "clientId")!, transports[i]);
        }

        var before = await MembersAsync(fleet, code);
        string NodeOf(string name) => before[seats[name].ClientId]["nodeId"]!.GetValue<string>();
        var onTwo = seats.Keys.Where(n => NodeOf(n) == "node-2").ToList();
        var onThree = seats.Keys.Where(n => NodeOf(n) == "node-3").ToList();
        Assert.True(onTwo.Count > 0 && onThree.Count > 0, "players on " + string.Join(", ", seats.Keys.Select(NodeOf)));

        AssertOk(await _js.EmitAsync("h", "set_game_state", new { state = new { round = 1 } }));
        await fleet.RunAsync("drain", 2);
        await fleet.RunAsync("kill", 3);

        // Every player of the two nodes is back with its own seat, on node 1 (the only one left), through nginx.
        foreach (var name in onTwo.Concat(onThree))
        {
            var back = await _js.NextAsync(name, "handshake_response", 20_000);
            Assert.Equal("success", Str(back, "status"));
            Assert.Equal(seats[name].ClientId, Str(back, "clientId"));
        }

        var after = await MembersAsync(fleet, code);
        foreach (var name in onTwo.Concat(onThree))
        {
            var m = after[seats[name].ClientId];
            Assert.True(m["connected"]!.GetValue<bool>(), name + " is not connected");
            Assert.Equal("node-1", m["nodeId"]!.GetValue<string>());
        }

        Assert.Equal(transports.Length, after.Values.Count(m => m["role"]!.GetValue<string>() == "player"));
        AssertOk(await _js.EmitAsync("h", "set_game_state", new { state = new { round = 2 } }));
        foreach (var name in onTwo.Concat(onThree))
        {
            JsonNode? gs;
            do
            {
                gs = await _js.NextAsync(name, "game_state", 10_000);
            }
            while (gs!["state"]!["round"]!.GetValue<int>() != 2);
        }
    }
}
