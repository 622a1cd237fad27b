using System.Buffers;
using System.Text.Json;
using Cndr.Transport.Http;

namespace Cndr.Host;

internal sealed partial class CndrNode
{
    private volatile bool _ready;
    private volatile bool _draining;

    /// <summary>True while the node is draining (SIGTERM): not ready, accepting no new clients.</summary>
    public bool IsDraining => _draining;

    private void MapOperationalEndpoints()
    {
        _http.Router.Map(HttpVerb.Get, "/health", HealthAsync);
        _http.Router.Map(HttpVerb.Get, "/ready", ReadyAsync);
        MapMetrics();
    }

    /// <summary>
    /// Health: status, node (id, registered, isPrimary), Redis (connected, latency ms; absent on the
    /// embedded store) and connections by role. 200 when healthy; 503 when Redis is unreachable or the node
    /// is not registered.
    /// </summary>
    private async ValueTask HealthAsync(HttpContext ctx)
    {
        var redis = await _stores.ProbeAsync();
        var registered = _coordinator.IsRegistered;
        var healthy = registered && (redis is null || redis.Value.Connected);
        var counts = _relay.ConnectionCounts();

        var buffer = new ArrayBufferWriter<byte>(512);
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteString("status", healthy ? "ok" : "unhealthy");
            w.WriteStartObject("node");
            w.WriteString("id", NodeId);
            w.WriteBoolean("registered", registered);
            w.WriteBoolean("isPrimary", _coordinator.IsPrimary);
            w.WriteBoolean("draining", _draining);
            w.WriteEndObject();
            if (redis is { } r)
            {
                w.WriteStartObject("redis");
                w.WriteBoolean("connected", r.Connected);
                if (r.Connected)
                {
                    w.WriteNumber("latency", Math.Round(r.LatencyMs, 3));
                }
                else
                {
                    w.WriteNull("latency");
                }

                w.WriteEndObject();
            }

            w.WriteStartObject("connections");
            w.WriteNumber("total", counts.Host + counts.Player + counts.Audience + counts.Pending);
            w.WriteNumber("host", counts.Host);
            w.WriteNumber("player", counts.Player);
            w.WriteNumber("audience", counts.Audience);
            w.WriteNumber("pending", counts.Pending);
            w.WriteEndObject();
            w.WriteEndObject();
        }

        await ctx.Response.SendJsonAsync(healthy ? 200 : 503, buffer.WrittenSpan);
    }

    /// <summary>Readiness: 503 while starting, draining, or at the connection limit.</summary>
    private async ValueTask ReadyAsync(HttpContext ctx)
    {
        string? reason = null;
        if (!_ready)
        {
            reason = "starting";
        }
        else if (_draining)
        {
            reason = "draining";
        }
        else if (_settings.MaxConnections > 0 && _http.ConnectionCount >= _settings.MaxConnections)
        {
            reason = "at connection limit";
        }

        var buffer = new ArrayBufferWriter<byte>(128);
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteString("status", reason is null ? "ready" : "not_ready");
            if (reason is not null)
            {
                w.WriteString("reason", reason);
            }

            w.WriteEndObject();
        }

        await ctx.Response.SendJsonAsync(reason is null ? 200 : 503, buffer.WrittenSpan);
    }

    /// <summary>
    /// Graceful drain (SIGTERM): turn not-ready, stop accepting connections, tell every client
    /// <c>server_draining {reconnectAfterMs}</c> (jittered per client), close their Engine.IO transports (stock
    /// clients reconnect, to another node behind the load balancer; players keep their seats), wait until the
    /// relay has written what it owes the store, then give the node up. Bounded by <paramref name="deadline"/>.
    /// </summary>
    public async Task DrainAsync(TimeSpan deadline)
    {
        if (_draining)
        {
            return;
        }

        _draining = true;
        Log.Draining(_logger, "node_draining", NodeId, (long)deadline.TotalMilliseconds);
        _http.StopAccepting();
        using var cts = new CancellationTokenSource(deadline);
        var remaining = await _relay.DrainAsync(_settings.DrainReconnectJitterMs, cts.Token);
        _socketIO.CloseAll();
        await _coordinator.StopAsync();
        Log.Drained(_logger, "node_drained", NodeId, remaining);
    }
}

