using Cndr.Core.Diagnostics;
using Cndr.Core.Store;
using Cndr.Transport.Http;
using Cndr.Host.Metrics;
using Prometheus;

namespace Cndr.Host;

/// <summary>
/// <c>GET /metrics</c>: Prometheus text format from prometheus-net's registry, served on our own HTTP layer.
/// The hot path only bumps <see cref="Interlocked"/> counters (relay, transport, store); the Prometheus
/// metrics are brought up to date from them once per scrape. The same counters are published as
/// System.Diagnostics.Metrics instruments by <see cref="NodeInstruments"/>.
/// </summary>
internal sealed partial class CndrNode
{
    private CollectorRegistry? _registry;
    private NodeInstruments? _instruments;
    private OpenTelemetry.Metrics.MeterProvider? _otlp;
    private Webhooks.WebhookSender? _webhooks;

    /// <summary>This node's <c>Cndr</c> meter.</summary>
    internal System.Diagnostics.Metrics.Meter Meter => _instruments!.Meter;

    private void MapMetrics()
    {
        _instruments = NodeInstruments.Create(this);
        _otlp = OtlpExport.Start(_settings);
        var registry = Prometheus.Metrics.NewCustomRegistry();
        DotNetStats.Register(registry);
        var f = Prometheus.Metrics.WithCustomRegistry(registry);
        var counters = _relay.Counters;
        var engine = _socketIO.Counters;

        var roomsLocal = f.CreateGauge("cndr_rooms_local", "Rooms with at least one connection on this node.");
        var roomsActive = f.CreateGauge("cndr_rooms_active", "Rooms whose host is connected to this node.");
        var roomsIdle = f.CreateGauge("cndr_rooms_idle", "Rooms hosted here with no activity for INACTIVE_ROOM_THRESHOLD_MS.");
        var connected = f.CreateGauge("cndr_clients_connected", "Joined clients on this node, by role.", "role");
        var pending = f.CreateGauge("cndr_clients_pending_handshake", "Connections that have not joined a room yet.");
        var joins = f.CreateCounter("cndr_clients_joined_total", "Successful joins (including seat reclaims), by role.", "role");
        var leaves = f.CreateCounter("cndr_clients_left_total", "Ended memberships (leave, disconnect, kick, close), by role.", "role");
        var commands = f.CreateCounter("cndr_messages_received_total", "Commands received, by type.", "type");
        var deliveries = f.CreateCounter("cndr_messages_delivered_total", "Packets handed to local connections (one per recipient).");
        var rateLimited = f.CreateCounter("cndr_messages_rate_limited_total", "Commands refused with RATE_LIMITED.");
        var audienceBudget = f.CreateCounter("cndr_audience_budget_refused_total", "Audience message_to_host refused with RATE_LIMITED by the room's audience budget.");
        var unauthorized = f.CreateCounter("cndr_messages_unauthorized_total", "Commands refused with FORBIDDEN.");
        var authFailed = f.CreateCounter("cndr_auth_failures_total", "Handshakes refused for a wrong host key, password or seat token.");
        var handshakesThrottled = f.CreateCounter("cndr_handshakes_throttled_total", "Handshakes refused with RATE_LIMITED: too many failed handshakes from the client's IP.");
        var webhookEvents = f.CreateCounter("cndr_webhook_events_total", "Webhook events by outcome: sent (2xx), failed (every attempt failed), dropped (queue full).", "outcome");
        var webhookRetries = f.CreateCounter("cndr_webhook_retries_total", "Webhook POSTs repeated after a failure.");
        var queued = f.CreateCounter("cndr_tohost_queued_total", "message_to_host entries written to a room's to-host queue.");
        var drained = f.CreateCounter("cndr_tohost_delivered_total", "Queued entries delivered to a host on this node.");
        var storeOps = f.CreateCounter("cndr_store_operations_total", "Store (Redis) operations, by outcome.", "outcome");
        var nodesRegistered = f.CreateGauge("cndr_nodes_registered", "Nodes in nodes:registry (as last read).");
        var nodesActive = f.CreateGauge("cndr_nodes_active", "Nodes with a heartbeat younger than NODE_TIMEOUT_MS (as last read).");
        var primary = f.CreateGauge("cndr_node_primary", "1 while this node is the primary.");
        var draining = f.CreateGauge("cndr_node_draining", "1 while this node drains.");
        var ws = f.CreateGauge("cndr_websocket_connections", "Open WebSocket connections.");
        var polling = f.CreateGauge("cndr_polling_sessions", "Engine.IO sessions on long-polling.");
        var handshakes = f.CreateCounter("cndr_engineio_sessions_total", "Engine.IO sessions opened.");
        var bytesIn = f.CreateCounter("cndr_transport_received_bytes_total", "Engine.IO payload bytes received.");
        var bytesOut = f.CreateCounter("cndr_transport_sent_bytes_total", "Engine.IO bytes sent.");
        var slow = f.CreateCounter("cndr_slow_consumers_total", "Clients disconnected because their outbound queue passed MAX_OUTBOUND_BYTES.");
        var httpConnections = f.CreateGauge("cndr_tcp_connections", "Open TCP connections.");
        var errors = f.CreateCounter("cndr_relay_errors_total", "Error replies sent to clients (failed acks and relay_error), by error code.", "code");
        f.CreateGauge("cndr_build_info", "Always 1; the labels name the build.", "version", "runtime").WithLabels(NodeInstruments.Version, Environment.Version.ToString()).Set(1);

        _stores.Latency?.Register(f);

        var roles = new[] { (ClientRole.Host, "host"), (ClientRole.Player, "player"), (ClientRole.Audience, "audience") };
        var connectedChildren = roles.Select(r => (r.Item1, connected.WithLabels(r.Item2))).ToArray();
        var joinChildren = roles.Select(r => (r.Item1, joins.WithLabels(r.Item2))).ToArray();
        var leaveChildren = roles.Select(r => (r.Item1, leaves.WithLabels(r.Item2))).ToArray();
        var commandChildren = RelayCounters.CommandNames.Select((n, i) => (i, commands.WithLabels(n))).ToArray();
        var errorChildren = RelayCounters.ErrorNames.Select((n, i) => (i, c: errors.WithLabels(n))).Skip(1).ToArray();
        var storeOk = storeOps.WithLabels("ok");
        var storeFailed = storeOps.WithLabels("unavailable");

        registry.AddBeforeCollectCallback(() =>
        {
            var rooms = _relay.RoomStats(_settings.InactiveRoomThresholdMs);
            roomsLocal.Set(rooms.Local);
            roomsActive.Set(rooms.Hosted);
            roomsIdle.Set(rooms.Idle);
            foreach (var (role, g) in connectedChildren)
            {
                g.Set(counters.Connected(role));
            }

            pending.Set(_relay.PendingHandshakeCount);
            foreach (var (role, c) in joinChildren)
            {
                c.IncTo(counters.Joins(role));
            }

            foreach (var (role, c) in leaveChildren)
            {
                c.IncTo(counters.Leaves(role));
            }

            foreach (var (i, c) in commandChildren)
            {
                c.IncTo(counters.CommandCount(i));
            }

            foreach (var (i, c) in errorChildren)
            {
                c.IncTo(counters.ErrorCount(i));
            }

            deliveries.IncTo(counters.Deliveries);
            rateLimited.IncTo(counters.RateLimited);
            audienceBudget.IncTo(counters.AudienceBudgetRefused);
            unauthorized.IncTo(counters.Unauthorized);
            authFailed.IncTo(counters.AuthFailures);
            handshakesThrottled.IncTo(counters.HandshakesThrottled);
            queued.IncTo(counters.ToHostQueued);
            if (_webhooks is { } hooks)
            {
                webhookEvents.WithLabels("sent").IncTo(hooks.Sent);
                webhookEvents.WithLabels("failed").IncTo(hooks.Failed);
                webhookEvents.WithLabels("dropped").IncTo(hooks.Dropped);
                webhookRetries.IncTo(hooks.Retries);
            }

            drained.IncTo(counters.ToHostDelivered);
            if (_stores.Latency is { } lat)
            {
                storeOk.IncTo(lat.Succeeded);
                storeFailed.IncTo(lat.Failed);
            }

            nodesRegistered.Set(_coordinator.RegisteredNodeCount);
            nodesActive.Set(_coordinator.ActiveNodeCount);
            primary.Set(_coordinator.IsPrimary ? 1 : 0);
            draining.Set(_draining ? 1 : 0);
            ws.Set(engine.OpenWebSockets);
            polling.Set(engine.PollingSessions);
            handshakes.IncTo(engine.Handshakes);
            bytesIn.IncTo(engine.BytesIn);
            bytesOut.IncTo(engine.BytesOut);
            slow.IncTo(engine.SlowConsumers);
            httpConnections.Set(_http.ConnectionCount);
        });

        _registry = registry;
        _http.Router.Map(HttpVerb.Get, "/metrics", MetricsAsync);
    }

    private void DisposeMetrics()
    {
        _otlp?.Dispose();
        _instruments?.Dispose();
    }

    private async ValueTask MetricsAsync(HttpContext ctx)
    {
        using var ms = new MemoryStream(16 * 1024);
        await _registry!.CollectAndExportAsTextAsync(ms, CancellationToken.None);
        PrometheusHistogramText.Write(ms, "cndr_command_duration_seconds", "Time from a command's dispatch to its reply, by command.", "command", RelayCounters.CommandNames, _relay.Counters.Latency);
        await ctx.Response.SendAsync(200, "text/plain; version=0.0.4; charset=utf-8"u8, ms.GetBuffer().AsSpan(0, (int)ms.Length));
    }
}
