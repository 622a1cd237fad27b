using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using static Cndr.Integration.Tests.Infrastructure.RelayClients;

namespace Cndr.Integration.Tests.Infrastructure;

/// <summary>
/// A local webhook receiver on 127.0.0.1: checks each <c>X-Cndr-Signature</c> and keeps the accepted events in
/// arrival order. It can refuse its first POSTs with 500 (a receiver that fails, then recovers) and can hold every
/// POST until <see cref="Open"/> (a receiver that is stuck, so the node's queue fills).
/// </summary>
public sealed class WebhookReceiver : IDisposable
{
    private readonly HttpListener _listener = new();
    private readonly ConcurrentQueue<JsonNode> _events = new();
    private readonly ConcurrentQueue<(long AtMs, string Type)> _attempts = new();
    private readonly TaskCompletionSource _open = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly byte[] _secret;
    private readonly Task _loop;
    private int _failLeft;
    private int _refused;
    private int _badSignatures;

    public WebhookReceiver(string secret, int failFirst = 0, bool held = false)
    {
        _secret = Encoding.UTF8.GetBytes(secret);
        _failLeft = failFirst;
        if (!held)
        {
            _open.SetResult();
        }

        var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        var port = ((IPEndPoint)l.LocalEndpoint).Port;
        l.Stop();
        Url = $"http://127.0.0.1:{port}/hooks/";
        _listener.Prefixes.Add(Url);
        _listener.Start();
        _loop = Task.Run(LoopAsync);
    }

    public string Url { get; }

    /// <summary>POSTs answered 500 on purpose.</summary>
    public int Refused => Volatile.Read(ref _refused);

    public int BadSignatures => Volatile.Read(ref _badSignatures);

    /// <summary>The accepted events, in arrival order.</summary>
    public IReadOnlyList<JsonNode> Events => _events.ToArray();

    /// <summary>Every POST (accepted or refused): when it arrived (ms, monotonic) and its <c>X-Cndr-Event</c>.</summary>
    public IReadOnlyList<(long AtMs, string Type)> Attempts => _attempts.ToArray();

    /// <summary>Lets held POSTs (and every later one) through.</summary>
    public void Open() => _open.TrySetResult();

    /// <summary>The accepted events of <paramref name="type"/> about <paramref name="roomCode"/> (any room when null).</summary>
    public List<JsonNode> Of(string type, string? roomCode = null) =>
        Events.Where(e => Str(e, "type") == type && (roomCode is null || Str(e, "roomCode") == roomCode)).ToList();

    public async Task<JsonNode> WaitForAsync(string type, int timeoutMs = 15_000) => await WaitForAsync(e => Str(e, "type") == type, type, timeoutMs);

    public async Task<JsonNode> WaitForAsync(Func<JsonNode, bool> match, string what, int timeoutMs = 15_000)
    {
        var deadline = DateTime.UtcNow.AddMilliseconds(timeoutMs);
        while (DateTime.UtcNow < deadline)
        {
            if (_events.FirstOrDefault(match) is { } e)
            {
                return e;
            }

            await Task.Delay(20);
        }

        throw new TimeoutException($"no {what} webhook; got: {string.Join(", ", _events.Select(e => e.ToJsonString()))}");
    }

    private async Task LoopAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext ctx;
            try
            {
                ctx = await _listener.GetContextAsync();
            }
            catch (Exception ex) when (ex is HttpListenerException or ObjectDisposedException)
            {
                return;
            }

            // One at a time, as the node sends them (one sender loop per node, in order).
            await HandleAsync(ctx);
        }
    }

    private async Task HandleAsync(HttpListenerContext ctx)
    {
        try
        {
            using var ms = new MemoryStream();
            await ctx.Request.InputStream.CopyToAsync(ms);
            var body = ms.ToArray();
            _attempts.Enqueue((Environment.TickCount64, ctx.Request.Headers["X-Cndr-Event"] ?? ""));
            await _open.Task;
            if (Interlocked.Decrement(ref _failLeft) >= 0)
            {
                Interlocked.Increment(ref _refused);
                ctx.Response.StatusCode = 500;
                ctx.Response.Close();
                return;
            }

            var timestamp = ctx.Request.Headers["X-Cndr-Timestamp"] ?? "";
            var signed = Encoding.UTF8.GetBytes(timestamp + ".").Concat(body).ToArray();
            var expected = "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(_secret, signed));
            if (timestamp.Length == 0 || ctx.Request.Headers["X-Cndr-Signature"] != expected)
            {
                Interlocked.Increment(ref _badSignatures);
            }

            _events.Enqueue(JsonNode.Parse(body)!);
            ctx.Response.StatusCode = 204;
            ctx.Response.Close();
        }
        catch (HttpListenerException)
        {
            // The node gave up on this POST (timeout) or the receiver is closing.
        }
    }

    public void Dispose()
    {
        _open.TrySetResult();
        _listener.Close();
        _loop.Wait(5000);
    }
}
