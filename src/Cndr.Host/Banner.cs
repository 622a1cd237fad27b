using Cndr.Host.Admin;
using Cndr.Host.Configuration;

namespace Cndr.Host;

/// <summary>What a node prints on stderr at start: where it listens and, on the embedded store, a ready demo room.</summary>
internal static class Banner
{
    public static async Task PrintAsync(CndrNode node, CndrSettings settings)
    {
        var scheme = string.IsNullOrEmpty(settings.TlsCertPath) ? "http" : "https";
        var host = settings.BindAddress is "0.0.0.0" or "::" ? "127.0.0.1" : settings.BindAddress.Contains(':', StringComparison.Ordinal) ? $"[{settings.BindAddress}]" : settings.BindAddress;
        var url = $"{scheme}://{host}:{node.Port}";
        var err = Console.Error;
        await err.WriteLineAsync($"cndr node {node.NodeId} listening on {url} (Socket.IO path {settings.SocketIOPath}, store: {(settings.UsesEmbeddedStore ? "embedded" : $"redis {settings.RedisTarget}{(settings.RedisCluster ? " (cluster)" : "")}")})");
        await err.WriteLineAsync($"  health {url}/health   ready {url}/ready   metrics {url}/metrics   admin {url}/admin/rooms");

        if (!settings.UsesEmbeddedStore || !settings.DemoRoom)
        {
            return;
        }

        var (room, error) = await node.Rooms.CreateAsync(new CreateRoomRequest());
        if (room is null)
        {
            await err.WriteLineAsync($"  (no demo room: {error})");
            return;
        }

        await err.WriteLineAsync($$"""

              Demo room {{room.RoomCode}}   host key {{room.HostKey}}   (no password, no limits)

              Play a round from Node.js (npm install socket.io-client):

                const { io } = require("socket.io-client");
                const host = io("{{url}}", { auth: { roomCode: "{{room.RoomCode}}", role: "host", hostKey: "{{room.HostKey}}" } });
                host.on("client_joined", (c) => host.emit("set_game_state", { state: { round: 1 } }));
                host.on("client_message", (m) => console.log("host got", m.message));
                const player = io("{{url}}", { auth: { roomCode: "{{room.RoomCode}}", role: "player", meta: { playerName: "Ann" } } });
                player.on("game_state", (s) => { console.log("player got", s); player.emit("message_to_host", { message: "hi" }); });

              Or run the scripted round: node examples/quickstart.mjs {{url}} {{room.RoomCode}} {{room.HostKey}}
              More rooms: curl -X POST {{url}}/admin/rooms  (open on loopback with the embedded store)

            """);
        if (settings.PlayPages)
        {
            await err.WriteLineAsync($"  Party game in the browser: big screen {url}/play/host?room={room.RoomCode}&key={room.HostKey}   phones {url}/play?room={room.RoomCode}");
            await err.WriteLineAsync();
        }
    }
}
