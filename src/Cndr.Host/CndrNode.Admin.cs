using Cndr.Host.Admin;

namespace Cndr.Host;

/// <summary>The admin API, the fleet read model, the node-status publisher and the monitor page.</summary>
internal sealed partial class CndrNode
{
    private NodeStatusPublisher? _statusPublisher;

    internal FleetQueries Fleet { get; private set; } = null!;

    /// <summary>The URL this node is reached at directly (what the monitor shows): the bind address, loopback for "any".</summary>
    internal string DirectUrl
    {
        get
        {
            var scheme = string.IsNullOrEmpty(_settings.TlsCertPath) ? "http" : "https";
            var host = _settings.BindAddress is "0.0.0.0" or "::" ? "127.0.0.1" : _settings.BindAddress.Contains(':', StringComparison.Ordinal) ? $"[{_settings.BindAddress}]" : _settings.BindAddress;
            return $"{scheme}://{host}:{Port}";
        }
    }

    private void MapAdmin()
    {
        var auth = new AdminAuth(_settings.AdminToken, allowLoopbackWithoutToken: _settings.UsesEmbeddedStore);
        Fleet = new FleetQueries(_stores.Store, _stores.Registry, NodeId, _settings.NodeTimeoutMs);
        new AdminEndpoints(Rooms, Fleet, _relay, auth).Map(_http.Router);
        new Monitor.MonitorEndpoints(Fleet, auth, _settings.MonitorIntervalMs).Map(_http.Router);
    }

    /// <summary>Starts publishing this node's status (after the listener is up, so the URL has its port).</summary>
    private void StartStatusPublisher()
    {
        _statusPublisher = new NodeStatusPublisher(this, _stores.Registry, DirectUrl, _settings.NodeStatusIntervalMs, _loggers.CreateLogger("Cndr.Admin"));
        _statusPublisher.Start();
    }

    private async ValueTask DisposeAdminAsync()
    {
        if (_statusPublisher is not null)
        {
            await _statusPublisher.DisposeAsync();
            try
            {
                await _stores.Registry.RemoveAsync(NodeId);
            }
            catch (Core.Store.StoreUnavailableException)
            {
            }
        }
    }
}
