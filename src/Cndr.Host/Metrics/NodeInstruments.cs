using System.Diagnostics.Metrics;
using System.Reflection;
using Cndr.Core.Store;

namespace Cndr.Host.Metrics;

/// <summary>
/// The node's counters as <see cref="System.Diagnostics.Metrics"/> instruments on a <see cref="Meter"/> named
/// <c>Cndr</c> (<c>dotnet-counters monitor -n cndr --counters Cndr</c>, OpenTelemetry). Everything but the command
/// histogram is observable: read from the relay's and transport's <see cref="Interlocked"/> counters when a
/// listener collects, so the hot path is unchanged. One meter per node (tests run several nodes in one process).
/// </summary>
internal sealed class NodeInstruments : IDisposable
{
    /// <summary>The meter's name.</summary>
    public const string MeterName = "Cndr";

    private static readonly (ClientRole Role, string Name)[] s_roles = [(ClientRole.Host, "host"), (ClientRole.Player, "player"), (ClientRole.Audience, "audience")];

    private NodeInstruments(Meter meter) => Meter = meter;

    public Meter Meter { get; }

    /// <summary>The product version (informational version of the executable).</summary>
    public static string Version { get; } =
        typeof(NodeInstruments).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "0.0.0";

    public static NodeInstruments Create(CndrNode node)
    {
        var meter = new Meter(MeterName, Version);
        var counters = node.Relay.Counters;
        var engine = node.SocketIO.Counters;
        var nodeTag = new KeyValuePair<string, object?>("node", node.NodeId);

        meter.CreateObservableUpDownCounter("cndr.clients.connected", () => s_roles.Select(r => new Measurement<long>(counters.Connected(r.Role), new KeyValuePair<string, object?>("role", r.Name))), description: "Joined clients on this node, by role.");
        meter.CreateObservableUpDownCounter("cndr.clients.pending_handshake", () => (long)node.Relay.PendingHandshakeCount, description: "Connections that have not joined a room yet.");
        meter.CreateObservableCounter("cndr.clients.joined", () => s_roles.Select(r => new Measurement<long>(counters.Joins(r.Role), new KeyValuePair<string, object?>("role", r.Name))), description: "Successful joins (including seat reclaims), by role.");
        meter.CreateObservableCounter("cndr.clients.left", () => s_roles.Select(r => new Measurement<long>(counters.Leaves(r.Role), new KeyValuePair<string, object?>("role", r.Name))), description: "Ended memberships, by role.");
        meter.CreateObservableCounter("cndr.messages.received", () => Indexed(Core.Diagnostics.RelayCounters.CommandNames, "type", counters.CommandCount), description: "Commands received, by type.");
        meter.CreateObservableCounter("cndr.messages.delivered", () => counters.Deliveries, description: "Packets handed to local connections (one per recipient).");
        meter.CreateObservableCounter("cndr.messages.rate_limited", () => counters.RateLimited, description: "Commands refused with RATE_LIMITED.");
        meter.CreateObservableCounter("cndr.audience.budget_refused", () => counters.AudienceBudgetRefused, description: "Audience message_to_host refused by the room's audience budget.");
        meter.CreateObservableCounter("cndr.relay.errors", () => Indexed(Core.Diagnostics.RelayCounters.ErrorNames, "code", counters.ErrorCount), description: "Error replies sent to clients, by error code.");
        meter.CreateObservableCounter("cndr.auth.failures", () => counters.AuthFailures, description: "Handshakes refused for a wrong host key, password or seat token.");
        meter.CreateObservableCounter("cndr.handshakes.throttled", () => counters.HandshakesThrottled, description: "Handshakes refused with RATE_LIMITED: too many failed handshakes from the client's IP.");
        meter.CreateObservableCounter("cndr.tohost.queued", () => counters.ToHostQueued, description: "message_to_host entries written to a to-host queue.");
        meter.CreateObservableCounter("cndr.tohost.delivered", () => counters.ToHostDelivered, description: "Queued entries delivered to a host on this node.");
        meter.CreateObservableGauge("cndr.rooms.local", () => (long)node.Relay.LocalRoomCount, description: "Rooms with at least one connection on this node.");
        meter.CreateObservableGauge("cndr.node.primary", () => new Measurement<long>(node.Coordinator.IsPrimary ? 1 : 0, nodeTag), description: "1 while this node is the primary.");
        meter.CreateObservableGauge("cndr.node.draining", () => new Measurement<long>(node.IsDraining ? 1 : 0, nodeTag), description: "1 while this node drains.");
        meter.CreateObservableGauge("cndr.nodes.active", () => (long)node.Coordinator.ActiveNodeCount, description: "Nodes with a live heartbeat (as last read).");
        meter.CreateObservableUpDownCounter("cndr.transport.websocket.connections", () => engine.OpenWebSockets, description: "Open WebSocket connections.");
        meter.CreateObservableUpDownCounter("cndr.transport.polling.sessions", () => engine.PollingSessions, description: "Engine.IO sessions on long-polling.");
        meter.CreateObservableUpDownCounter("cndr.transport.tcp.connections", () => (long)node.OpenConnections, description: "Open TCP connections.");
        meter.CreateObservableCounter("cndr.transport.received", () => engine.BytesIn, unit: "By", description: "Engine.IO payload bytes received.");
        meter.CreateObservableCounter("cndr.transport.sent", () => engine.BytesOut, unit: "By", description: "Engine.IO bytes sent.");
        meter.CreateObservableCounter("cndr.transport.slow_consumers", () => engine.SlowConsumers, description: "Clients cut because their outbound queue passed MAX_OUTBOUND_BYTES.");
        counters.Latency.Attach(meter);
        return new NodeInstruments(meter);
    }

    private static IEnumerable<Measurement<long>> Indexed(IReadOnlyList<string> names, string tag, Func<int, long> read)
    {
        for (var i = 1; i < names.Count; i++)
        {
            var v = read(i);
            if (v != 0)
            {
                yield return new Measurement<long>(v, new KeyValuePair<string, object?>(tag, names[i]));
            }
        }
    }

    public void Dispose() => Meter.Dispose();
}
