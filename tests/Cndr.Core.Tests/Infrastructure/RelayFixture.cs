using System.Text;
using System.Text.Json;
using Cndr.Core.Relay;
using Cndr.Core.Store;
using Cndr.Transport.SocketIO;

namespace Cndr.Core.Tests.Infrastructure;

/// <summary>One relay node over a store, with fake connections and a manual clock.</summary>
public sealed class RelayFixture : IDisposable
{
    private static int s_nextConnection;
    private long _nextAck;

    public RelayFixture(Action<RelayOptions>? configure = null, IRelayStore? store = null, IRoomBus? bus = null, ManualTime? time = null, Microsoft.Extensions.Logging.ILogger<RelayHandler>? logger = null)
    {
        Options = new RelayOptions();
        configure?.Invoke(Options);
        Store = store ?? new EmbeddedRelayStore();
        Time = time ?? new ManualTime();
        Bus = bus ?? new InProcessRoomBus(Options.NodeId);
        Handler = new RelayHandler(Store, Bus, Options, logger, Time);
    }

    public RelayOptions Options { get; }

    public IRelayStore Store { get; }

    public IRoomBus Bus { get; }

    public ManualTime Time { get; }

    public RelayHandler Handler { get; }

    public void Dispose() => Handler.Dispose();

    public static RoomCode Code(string code) => RoomCode.TryParse(code, out var c) ? c : throw new ArgumentException(code);

    public async Task<string> CreateRoomAsync(string code = "ABC123", string password = "", int maxPlayers = 0, int maxAudience = 0, string hostKey = "host-key-1")
    {
        var outcome = await Store.CreateRoomAsync(Code(code), new RoomConfig(hostKey, password, maxPlayers, maxAudience, 1_700_000_000), Time.NowMs);
        Assert.Equal(CreateRoomOutcome.Created, outcome);
        return hostKey;
    }

    public FakeConnection NewConnection() => new($"conn-{Interlocked.Increment(ref s_nextConnection)}", Handler);

    /// <summary>Connects without auth (then a handshake event is needed).</summary>
    public async Task<FakeConnection> ConnectAsync()
    {
        var c = NewConnection();
        var d = await Handler.OnConnectAsync(c, default);
        Assert.True(d.Accepted);
        Handler.OnConnected(c);
        return c;
    }

    /// <summary>Connects with a Socket.IO auth object; on acceptance runs OnConnected like the transport.</summary>
    public async Task<(FakeConnection Connection, ConnectDecision Decision)> ConnectWithAuthAsync(string authJson)
    {
        var c = NewConnection();
        var d = await Handler.OnConnectAsync(c, Encoding.UTF8.GetBytes(authJson));
        if (d.Accepted)
        {
            Handler.OnConnected(c);
        }

        return (c, d);
    }

    /// <summary>Emits an event (argument JSON or none); returns the ack's argument when <paramref name="ack"/>.</summary>
    public async Task<JsonElement> EmitAsync(FakeConnection c, string name, string? argJson, bool ack = true)
    {
        var ackId = ack ? Interlocked.Increment(ref _nextAck) : -1;
        var nameJson = JsonSerializer.Serialize(name);
        var data = argJson is null ? $"[{nameJson}]" : $"[{nameJson},{argJson}]";
        var bytes = Encoding.UTF8.GetBytes(data);
        var nameBytes = Encoding.UTF8.GetBytes(name);
        var argsStart = nameJson.Length + (argJson is null ? 1 : 2);
        var args = argJson is null ? ReadOnlyMemory<byte>.Empty : bytes.AsMemory(Encoding.UTF8.GetByteCount(data[..argsStart]), Encoding.UTF8.GetByteCount(argJson));
        await Handler.OnEventAsync(c, new SocketIOEvent(nameBytes, bytes, args, ackId, null));
        return ack ? c.Ack(ackId) : default;
    }

    /// <summary>Connects and sends a handshake event with an ack; returns the connection and the response.</summary>
    public async Task<(FakeConnection Connection, JsonElement Response)> HandshakeAsync(string handshakeJson)
    {
        var c = await ConnectAsync();
        var r = await EmitAsync(c, "handshake", handshakeJson);
        return (c, r);
    }

    public async Task<FakeConnection> HostAsync(string code = "ABC123", string hostKey = "host-key-1")
    {
        var (c, r) = await HandshakeAsync($$"""{"roomCode":"{{code}}","role":"host","hostKey":"{{hostKey}}"}""");
        Assert.Equal("success", r.GetProperty("status").GetString());
        return c;
    }

    public async Task<(FakeConnection Connection, string ClientId, string SeatToken)> PlayerAsync(string code = "ABC123", string? password = null, string meta = """{"playerName":"Alice"}""")
    {
        var pw = password is null ? string.Empty : $",\"password\":{JsonSerializer.Serialize(password)}";
        var (c, r) = await HandshakeAsync($$"""{"roomCode":"{{code}}","role":"player"{{pw}},"meta":{{meta}}}""");
        Assert.Equal("success", r.GetProperty("status").GetString());
        return (c, r.GetProperty("clientId").GetString()!, r.GetProperty("seatToken").GetString()!);
    }

    public async Task<FakeConnection> AudienceAsync(string code = "ABC123")
    {
        var (c, r) = await HandshakeAsync($$"""{"roomCode":"{{code}}","role":"audience"}""");
        Assert.Equal("success", r.GetProperty("status").GetString());
        return c;
    }
}

public static class JsonAssert
{
    public static void IsOk(JsonElement ack) => Assert.Equal("ok", ack.GetProperty("status").GetString());

    public static void IsError(JsonElement ack, string code)
    {
        Assert.Equal("error", ack.GetProperty("status").GetString());
        Assert.Equal(code, ack.GetProperty("error").GetProperty("code").GetString());
    }

    public static string ErrorCode(JsonElement ack) => ack.GetProperty("error").GetProperty("code").GetString()!;
}
