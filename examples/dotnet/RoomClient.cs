using System.Collections.Concurrent;
using System.Text.Json;
using SocketIOClient;
using SocketIOClient.Transport;

namespace CndrRound;

/// <summary>
/// One cndr client on SocketIOClient: joins through connect auth, keeps every relay event it is told to listen
/// for in arrival order, and turns commands into awaitable calls that return the relay's ack.
/// </summary>
internal sealed class RoomClient : IDisposable
{
    private static readonly TimeSpan s_wait = TimeSpan.FromSeconds(10);

    private readonly SocketIO _socket;
    private readonly ConcurrentDictionary<string, BlockingCollection<JsonElement>> _inbox = new();

    private RoomClient(string url, object auth, IEnumerable<string> events)
    {
        _socket = new SocketIO(url, new SocketIOOptions
        {
            Auth = auth,
            Transport = TransportProtocol.WebSocket,
            Reconnection = false,
            ConnectionTimeout = s_wait,
        });
        foreach (var name in events.Append("handshake_response").Append("relay_error"))
        {
            var queue = _inbox.GetOrAdd(name, static _ => new BlockingCollection<JsonElement>());
            _socket.On(name, response => queue.Add(response.GetValue<JsonElement>(0)));
        }
    }

    /// <summary>The first handshake_response (status "success" or "error").</summary>
    public JsonElement Hello { get; private set; }

    /// <summary>Connects with <paramref name="auth"/> as the Socket.IO auth object and waits for the relay's answer.</summary>
    public static async Task<RoomClient> JoinAsync(string url, object auth, params string[] events)
    {
        var client = new RoomClient(url, auth, events);
        await client._socket.ConnectAsync();
        client.Hello = await client.NextAsync("handshake_response");
        return client;
    }

    /// <summary>The oldest unread <paramref name="evt"/> (waits up to 10 s for it).</summary>
    public Task<JsonElement> NextAsync(string evt) => Task.Run(() =>
        _inbox[evt].TryTake(out var value, s_wait) ? value : throw new TimeoutException($"no {evt} within {s_wait.TotalSeconds} s"));

    /// <summary>Sends a command with an ack and returns the ack's payload; an error ack throws.</summary>
    public async Task<JsonElement> CallAsync(string command, object payload)
    {
        var ack = new TaskCompletionSource<JsonElement>(TaskCreationOptions.RunContinuationsAsynchronously);
        await _socket.EmitAsync(command, response => ack.TrySetResult(response.GetValue<JsonElement>(0)), payload);
        var result = await ack.Task.WaitAsync(s_wait);
        if (result.GetProperty("status").GetString() != "ok")
        {
            throw new InvalidOperationException($"{command} failed: {result.GetProperty("error")}");
        }

        return result;
    }

    /// <summary>Closes the connection without leaving: a player's seat stays held, as after a network loss.</summary>
    public async Task DropAsync()
    {
        await _socket.DisconnectAsync();
        _socket.Dispose();
    }

    public void Dispose() => _socket.Dispose();
}
