using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using Pipelines.Sockets.Unofficial;

namespace Cndr.Transport.Sockets;

/// <summary>
/// Accepts TCP connections on one or more endpoints and hands each to an <see cref="IConnectionHandler"/>
/// as a <see cref="TransportConnection"/>: on Linux a <see cref="SocketPipe"/> (zero-byte waits, so an idle
/// connection holds no receive buffer; sends inline on the flushing thread), elsewhere and under TLS a
/// Pipelines.Sockets.Unofficial pipe. On Linux raw sockets are accepted on the transport's epoll thread
/// (<see cref="LoopAcceptor"/>): the accept, the pipe's registration and the first request run there with no thread hop;
/// otherwise (TLS, CNDR_SOCKET_EPOLL=0, CNDR_SOCKET_ACCEPT=runtime) through the runtime's accept. Accept errors back off
/// exponentially, capped at one second.
/// </summary>
public sealed class ConnectionListener : IAsyncDisposable
{
    private const int MaxBackoffMs = 1000;
    private const int LingerMs = 5000;

    private readonly ListenerOptions _options;
    private readonly IConnectionHandler _handler;
    private readonly List<Socket> _listeners = [];
    private readonly List<Task> _acceptLoops = [];
    private readonly List<LoopAcceptor> _acceptors = [];
    private readonly ConcurrentDictionary<IPAddress, int> _perIp = new();
    private readonly ConcurrentDictionary<TransportConnection, byte> _open = new();
    private readonly CancellationTokenSource _stop = new();
    private int _connectionCount;
    private Action<AcceptedSocket, IPEndPoint?>? _onLoopAccepted;

    public ConnectionListener(ListenerOptions options, IConnectionHandler handler)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(handler);
        _options = options;
        _handler = handler;
    }

    /// <summary>The bound endpoints (with the actual port when 0 was asked for).</summary>
    public IReadOnlyList<IPEndPoint> LocalEndPoints { get; private set; } = [];

    /// <summary>Currently open connections.</summary>
    public int ConnectionCount => Volatile.Read(ref _connectionCount);

    /// <summary>Binds every endpoint and starts accepting.</summary>
    public void Start()
    {
        var eps = _options.EndPoints.Count > 0 ? _options.EndPoints : [new IPEndPoint(IPAddress.Loopback, 0)];
        var bound = new List<IPEndPoint>();
        foreach (var ep in eps)
        {
            var s = new Socket(ep.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
            try
            {
                if (ep.AddressFamily == AddressFamily.InterNetworkV6)
                {
                    s.DualMode = false;
                }

                SocketConnection.SetRecommendedServerOptions(s);
                s.Bind(ep);
                s.Listen(_options.Backlog);
            }
            catch
            {
                s.Dispose();
                throw;
            }

            _listeners.Add(s);
            bound.Add((IPEndPoint)s.LocalEndPoint!);
        }

        LocalEndPoints = bound;
        var onLoop = _options.StreamWrapper is null && SocketPipe.Enabled;
        foreach (var s in _listeners)
        {
            if (onLoop && LoopAcceptor.TryStart(s, _onLoopAccepted ??= OnLoopAccepted) is { } acceptor)
            {
                _acceptors.Add(acceptor);
            }
            else
            {
                _acceptLoops.Add(AcceptLoopAsync(s));
            }
        }
    }

    /// <summary>True when every listening socket accepts on the transport's epoll thread.</summary>
    internal bool AcceptsOnLoop => _acceptors.Count > 0 && _acceptLoops.Count == 0;

    /// <summary>Accept errors retried after a backoff on the epoll path (e.g. EMFILE).</summary>
    internal long AcceptResourceErrors => _acceptors.Sum(a => a.ResourceErrors);

    private async Task AcceptLoopAsync(Socket listener)
    {
        var backoff = 0;
        while (!_stop.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await listener.AcceptAsync(_stop.Token).ConfigureAwait(false);
                backoff = 0;
            }
            catch (OperationCanceledException)
            {
                return;
            }
            catch (ObjectDisposedException)
            {
                return;
            }
            catch (SocketException)
            {
                // e.g. EMFILE: wait a little instead of spinning; capped exponential backoff.
                backoff = backoff == 0 ? 5 : Math.Min(backoff * 2, MaxBackoffMs);
                try
                {
                    await Task.Delay(backoff, _stop.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }

                continue;
            }

            var remote = client.RemoteEndPoint as IPEndPoint;
            if (!TryAdmit(remote?.Address))
            {
                client.Dispose();
                continue;
            }

            _ = RunConnectionAsync(client, client.SafeHandle, remote, yieldFirst: true);
        }
    }

    /// <summary>On the epoll thread: the connection runs there up to its first wait (no hop, no yield).</summary>
    private void OnLoopAccepted(AcceptedSocket client, IPEndPoint? remote)
    {
        if (_stop.IsCancellationRequested || !TryAdmit(remote?.Address))
        {
            client.Dispose();
            return;
        }

        _ = RunConnectionAsync(null, client, remote, yieldFirst: false);
    }

    private bool TryAdmit(IPAddress? address)
    {
        var n = Interlocked.Increment(ref _connectionCount);
        if (_options.MaxConnections > 0 && n > _options.MaxConnections)
        {
            Interlocked.Decrement(ref _connectionCount);
            return false;
        }

        if (_options.MaxConnectionsPerIp > 0 && address is not null)
        {
            var count = _perIp.AddOrUpdate(address, 1, static (_, c) => c + 1);
            if (count > _options.MaxConnectionsPerIp)
            {
                ReleaseIp(address);
                Interlocked.Decrement(ref _connectionCount);
                return false;
            }
        }

        return true;
    }

    private void ReleaseIp(IPAddress address)
    {
        while (_perIp.TryGetValue(address, out var c))
        {
            if (c <= 1 ? _perIp.TryRemove(new KeyValuePair<IPAddress, int>(address, c)) : _perIp.TryUpdate(address, c - 1, c))
            {
                return;
            }
        }
    }

    /// <summary>
    /// Runs one connection: <paramref name="client"/> is the runtime's Socket of a connection accepted the runtime's way,
    /// or null for one the epoll thread accepted (<paramref name="handle"/> alone, an <see cref="AcceptedSocket"/>; only
    /// the raw socket pipe is used on that path).
    /// </summary>
    private async Task RunConnectionAsync(Socket? client, SafeHandle handle, IPEndPoint? remote, bool yieldFirst)
    {
        if (yieldFirst)
        {
            // Let the accept loop go on at once.
            await Task.Yield();
        }

        TransportConnection? connection = null;
        IDisposable? owner = null;
        try
        {
            if (client is null)
            {
                var pipe = new SocketPipe(handle, null, _options.ReceiveOptions, _options.SendOptions);
                owner = pipe;
                connection = new TransportConnection(pipe, remote, static c => c.DirectSender!.Dispose()) { DirectSender = pipe };
            }
            else if (_options.StreamWrapper is { } wrap)
            {
                var stream = await wrap(new NetworkStream(client, ownsSocket: true), _stop.Token).ConfigureAwait(false);
                owner = stream;
                var pipe = StreamConnection.GetDuplex(stream, _options.SendOptions, _options.ReceiveOptions);
                connection = new TransportConnection(pipe, remote, static c => ((Socket)c.Socket!).Dispose()) { Socket = client };
            }
            else if (SocketPipe.Enabled)
            {
                var pipe = new SocketPipe(client.SafeHandle, client, _options.ReceiveOptions, _options.SendOptions);
                owner = pipe;
                connection = new TransportConnection(pipe, remote, static c => c.DirectSender!.Dispose()) { Socket = client, DirectSender = pipe };
            }
            else
            {
                var sc = SocketConnection.Create(
                    client,
                    _options.SendOptions,
                    _options.ReceiveOptions,
                    SocketConnectionOptions.ZeroLengthReads);
                owner = sc;
                connection = new TransportConnection(sc, remote, static c => ((Socket)c.Socket!).Dispose()) { Socket = client };
            }

            _open.TryAdd(connection, 0);
            await _handler.HandleAsync(connection).ConfigureAwait(false);
        }
        catch (Exception)
        {
            // A faulted connection never takes the listener down; the handler logs what matters.
        }
        finally
        {
            if (connection is not null)
            {
                _open.TryRemove(connection, out _);
                try
                {
                    await connection.CloseGracefullyAsync(LingerMs).ConfigureAwait(false);
                    await connection.Transport.Input.CompleteAsync().ConfigureAwait(false);
                }
                catch (Exception)
                {
                    // already torn down
                }
            }

            owner?.Dispose();
            if (client is not null)
            {
                client.Dispose();
            }
            else
            {
                handle.Dispose();
            }
            if (_options.MaxConnectionsPerIp > 0 && remote is not null)
            {
                ReleaseIp(remote.Address);
            }

            Interlocked.Decrement(ref _connectionCount);
        }
    }

    /// <summary>Closes the listening sockets (new connections are refused by the OS); open connections stay.</summary>
    public void StopAccepting()
    {
        foreach (var a in _acceptors)
        {
            a.Stop();
        }

        foreach (var s in _listeners)
        {
            s.Dispose();
        }
    }

    /// <summary>Stops accepting, aborts open connections and waits for the accept loops.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_stop.IsCancellationRequested)
        {
            return;
        }

        await _stop.CancelAsync().ConfigureAwait(false);
        foreach (var a in _acceptors)
        {
            a.Stop();
        }

        foreach (var s in _listeners)
        {
            s.Dispose();
        }

        foreach (var c in _open.Keys)
        {
            c.Abort();
        }

        try
        {
            await Task.WhenAll(_acceptLoops).ConfigureAwait(false);
        }
        catch (Exception)
        {
            // loops end on cancellation
        }

        _stop.Dispose();
    }
}
