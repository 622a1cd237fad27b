using System.Buffers;
using System.Text.Json;
using Cndr.Core.Cluster;
using Cndr.Core.Store;
using Microsoft.Extensions.Logging;

namespace Cndr.Host.Admin;

/// <summary>
/// Writes this node's live status to <c>nodes:status</c> every <c>NODE_STATUS_INTERVAL_MS</c>, so the admin API and
/// monitor of any node can show every node: <c>{url, version, draining, startedAt, at, localRooms,
/// connections:{host, player, audience, pending}}</c> (times Unix ms). One loop per node; a failed write is retried
/// at the next tick.
/// </summary>
internal sealed class NodeStatusPublisher(CndrNode node, INodeRegistry registry, string url, int intervalMs, ILogger logger) : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly long _startedAt = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
    private Task? _loop;

    public void Start() => _loop = RunAsync();

    /// <summary>Publishes once now (also at every tick).</summary>
    public async Task PublishAsync()
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        var counts = node.Relay.ConnectionCounts();
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteString("url", url);
            w.WriteString("version", Metrics.NodeInstruments.Version);
            w.WriteBoolean("draining", node.IsDraining);
            w.WriteNumber("startedAt", _startedAt);
            w.WriteNumber("at", DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
            w.WriteNumber("localRooms", node.Relay.LocalRoomCount);
            w.WriteStartObject("connections");
            w.WriteNumber("host", counts.Host);
            w.WriteNumber("player", counts.Player);
            w.WriteNumber("audience", counts.Audience);
            w.WriteNumber("pending", counts.Pending);
            w.WriteEndObject();
            w.WriteEndObject();
        }

        await registry.PublishStatusAsync(node.NodeId, buffer.WrittenMemory);
    }

    private async Task RunAsync()
    {
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(intervalMs));
        do
        {
            try
            {
                await PublishAsync();
            }
            catch (StoreUnavailableException ex)
            {
                logger.LogDebug(ex, "node status not published");
            }
        }
        while (await WaitAsync(timer));
    }

    private async Task<bool> WaitAsync(PeriodicTimer timer)
    {
        try
        {
            return await timer.WaitForNextTickAsync(_stop.Token);
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        if (_loop is not null)
        {
            await _loop;
        }

        _stop.Dispose();
    }
}
