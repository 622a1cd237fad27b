using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Cndr.Integration.Tests.Infrastructure;

/// <summary>
/// Drives named sockets of the official npm <c>socket.io-client</c> 4.x through
/// <c>tests/interop/driver.mjs</c> (one node process per test class). Every call is bounded in time.
/// </summary>
public sealed class JsClients : IAsyncDisposable
{
    private readonly Process _node;
    private readonly ConcurrentDictionary<long, TaskCompletionSource<JsonObject>> _pending = new();
    private readonly Task _readLoop;
    private readonly SemaphoreSlim _writeLock = new(1, 1);
    private readonly List<string> _stderr = [];
    private long _seq;

    private JsClients(Process node)
    {
        _node = node;
        _readLoop = Task.Run(ReadLoopAsync);
        node.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                lock (_stderr)
                {
                    _stderr.Add(e.Data);
                }
            }
        };
        node.BeginErrorReadLine();
    }

    public static JsClients Start()
    {
        var root = RepoPaths.Root;
        var psi = new ProcessStartInfo("node")
        {
            WorkingDirectory = Path.Combine(root, "tests", "interop"),
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        psi.ArgumentList.Add("driver.mjs");
        var p = Process.Start(psi) ?? throw new InvalidOperationException("node did not start");
        return new JsClients(p);
    }

    private async Task ReadLoopAsync()
    {
        while (await _node.StandardOutput.ReadLineAsync() is { } line)
        {
            JsonObject? obj;
            try
            {
                obj = JsonNode.Parse(line) as JsonObject;
            }
            catch (JsonException)
            {
                continue;
            }

            if (obj?["seq"]?.GetValue<long>() is { } seq && _pending.TryRemove(seq, out var tcs))
            {
                tcs.TrySetResult(obj);
            }
        }

        foreach (var kv in _pending)
        {
            kv.Value.TrySetException(new InvalidOperationException("the node driver exited: " + StderrText()));
        }
    }

    private string StderrText()
    {
        lock (_stderr)
        {
            return string.Join('\n', _stderr.TakeLast(20));
        }
    }

    /// <summary>Sends one command and waits for its answer (bounded).</summary>
    public async Task<JsonObject> CallAsync(JsonObject cmd, int timeoutMs = 10_000)
    {
        var seq = Interlocked.Increment(ref _seq);
        cmd["seq"] = seq;
        var tcs = new TaskCompletionSource<JsonObject>(TaskCreationOptions.RunContinuationsAsynchronously);
        _pending[seq] = tcs;
        await _writeLock.WaitAsync();
        try
        {
            await _node.StandardInput.WriteLineAsync(cmd.ToJsonString());
            await _node.StandardInput.FlushAsync();
        }
        finally
        {
            _writeLock.Release();
        }

        var done = await Task.WhenAny(tcs.Task, Task.Delay(timeoutMs));
        if (done != tcs.Task)
        {
            _pending.TryRemove(seq, out _);
            throw new TimeoutException($"node driver did not answer {cmd.ToJsonString()} within {timeoutMs} ms. stderr: {StderrText()}");
        }

        return await tcs.Task;
    }

    /// <summary>Connects socket <paramref name="name"/>; options are socket.io-client options (auth, transports, ...).</summary>
    public async Task<ConnectOutcome> ConnectAsync(string name, string url, object? options = null, int timeoutMs = 5000)
    {
        var cmd = new JsonObject
        {
            ["op"] = "connect",
            ["name"] = name,
            ["url"] = url,
            ["timeoutMs"] = timeoutMs,
            ["options"] = options is null ? new JsonObject() : JsonSerializer.SerializeToNode(options),
        };
        var r = await CallAsync(cmd, timeoutMs + 5000);
        EnsureOk(r);
        return new ConnectOutcome(
            r["connected"]?.GetValue<bool>() ?? false,
            r["id"]?.GetValue<string>(),
            r["transport"]?.GetValue<string>(),
            r["error"]?["message"]?.GetValue<string>(),
            r["error"]?["data"]);
    }

    /// <summary>Emits an event; with <paramref name="ack"/> returns the first ack argument.</summary>
    public async Task<JsonNode?> EmitAsync(string name, string evt, object?[] args, bool ack = true, int timeoutMs = 3000)
    {
        var arr = new JsonArray();
        foreach (var a in args)
        {
            arr.Add(a is JsonNode n ? n.DeepClone() : JsonSerializer.SerializeToNode(a));
        }

        var r = await CallAsync(new JsonObject { ["op"] = "emit", ["name"] = name, ["event"] = evt, ["args"] = arr, ["ack"] = ack, ["timeoutMs"] = timeoutMs }, timeoutMs + 5000);
        EnsureOk(r);
        return ack ? r["ack"]?[0]?.DeepClone() : null;
    }

    /// <summary>Emits with one argument (the usual case).</summary>
    public Task<JsonNode?> EmitAsync(string name, string evt, object? arg, bool ack = true, int timeoutMs = 3000) =>
        EmitAsync(name, evt, [arg], ack, timeoutMs);

    /// <summary>Emits with no argument at all.</summary>
    public Task<JsonNode?> EmitNoArgsAsync(string name, string evt, bool ack = true) => EmitAsync(name, evt, [], ack);

    /// <summary>Waits for the oldest unread event <paramref name="evt"/> on socket <paramref name="name"/> and returns its first argument.</summary>
    public async Task<JsonNode?> NextAsync(string name, string evt, int timeoutMs = 3000)
    {
        var r = await CallAsync(new JsonObject { ["op"] = "next", ["name"] = name, ["event"] = evt, ["timeoutMs"] = timeoutMs }, timeoutMs + 5000);
        EnsureOk(r);
        return r["args"]?[0]?.DeepClone();
    }

    /// <summary>Asserts that no <paramref name="evt"/> arrives on <paramref name="name"/> within <paramref name="waitMs"/>.</summary>
    public async Task NoneAsync(string name, string evt, int waitMs = 250)
    {
        var r = await CallAsync(new JsonObject { ["op"] = "none", ["name"] = name, ["event"] = evt, ["waitMs"] = waitMs }, waitMs + 5000);
        EnsureOk(r);
    }

    /// <summary>All unread events of a socket, in arrival order.</summary>
    public async Task<List<(string Event, JsonArray Args)>> DrainAsync(string name)
    {
        var r = await CallAsync(new JsonObject { ["op"] = "drain", ["name"] = name });
        EnsureOk(r);
        return r["events"]!.AsArray().Select(e => (e!["event"]!.GetValue<string>(), e["args"]!.AsArray())).ToList();
    }

    public async Task<string?> TransportAsync(string name)
    {
        var r = await CallAsync(new JsonObject { ["op"] = "transport", ["name"] = name });
        EnsureOk(r);
        return r["transport"]?.GetValue<string>();
    }

    public async Task DisconnectAsync(string name)
    {
        var r = await CallAsync(new JsonObject { ["op"] = "disconnect", ["name"] = name });
        EnsureOk(r);
    }

    private static void EnsureOk(JsonObject r)
    {
        if (r["ok"]?.GetValue<bool>() != true)
        {
            throw new InvalidOperationException("driver: " + r.ToJsonString());
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_node.HasExited)
            {
                _node.StandardInput.Close();
                using var cts = new CancellationTokenSource(3000);
                await _node.WaitForExitAsync(cts.Token);
            }
        }
        catch (OperationCanceledException)
        {
        }
        catch (InvalidOperationException)
        {
        }
        finally
        {
            if (!_node.HasExited)
            {
                _node.Kill(entireProcessTree: true);
            }

            _node.Dispose();
            _writeLock.Dispose();
        }

        await Task.WhenAny(_readLoop, Task.Delay(1000));
    }
}

/// <summary>What a connect attempt gave: connected (with id and transport) or refused (message, data).</summary>
public sealed record ConnectOutcome(bool Connected, string? Id, string? Transport, string? ErrorMessage, JsonNode? ErrorData);

/// <summary>Locates the repository (the folder holding Cndr.sln).</summary>
public static class RepoPaths
{
    public static string Root { get; } = FindRoot();

    private static string FindRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Cndr.sln")))
        {
            dir = dir.Parent;
        }

        return dir?.FullName ?? throw new InvalidOperationException("Cndr.sln not found above " + AppContext.BaseDirectory);
    }
}
