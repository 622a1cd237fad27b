using System.Collections.Concurrent;
using System.Diagnostics;
using System.Runtime.CompilerServices;
using Cndr.Core.Protocol;
using Cndr.Core.Store;
using Cndr.Transport.SocketIO;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Cndr.Core.Relay;

/// <summary>
/// The relay: the application side of namespace <c>/</c>. Implements every command of PROTOCOL.md on top of an
/// <see cref="IRelayStore"/> (rooms, seats, state, polls, to-host queue) and an <see cref="IRoomBus"/> (updates for
/// connections on other nodes). Each command handler checks its payload (codecs in <c>Protocol/</c>), calls the
/// store, and hands what is to be sent to <see cref="RoomDelivery"/> (room events, kicks, closes, the bus) or
/// <see cref="ToHostDelivery"/> (message_to_host and the to-host queue drain).
/// </summary>
/// <remarks>
/// Construct one per node and hand it to the Socket.IO server for namespace <c>/</c>; dispose it on shutdown
/// (stops the handshake-timeout sweep). Thread-safe.
/// </remarks>
public sealed partial class RelayHandler : ISocketIOHandler, IDisposable
{
    private readonly IRelayStore _store;
    private readonly IRoomBus _bus;
    private readonly RelayOptions _options;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly LocalRoomRegistry _rooms;
    private readonly PollTimers _pollTimers;
    private readonly RoomDelivery _delivery;
    private readonly ToHostDelivery _toHost;
    private readonly string _nodeId;

    // Connections waiting for their handshake → deadline (ms). Swept by one timer for all of them.
    private readonly ConcurrentDictionary<ClientSession, long> _pending = new();
    private readonly ITimer _sweepTimer;
    private int _sweeping;

    // Hostile clients (RelayHandler.Throttle.cs): failed handshakes per IP, warn lines per kind.
    private readonly FailedHandshakeThrottle _handshakeThrottle;
    private readonly Diagnostics.LogThrottle _logThrottle;
    private readonly Action<Diagnostics.ClientLogKind, long, int> _reportSuppressed;

    /// <summary>Creates the relay.</summary>
    /// <param name="store">Rooms and state (<see cref="EmbeddedRelayStore"/> for one node, the Redis store for many).</param>
    /// <param name="bus">This node's bus (<see cref="InProcessRoomBus"/> for one node). Its <see cref="IRoomBus.NodeId"/> is the node id.</param>
    /// <param name="options">Settings (validated here).</param>
    /// <param name="logger">Optional logger.</param>
    /// <param name="timeProvider">Clock and timer (default <see cref="TimeProvider.System"/>).</param>
    public RelayHandler(IRelayStore store, IRoomBus bus, RelayOptions options, ILogger<RelayHandler>? logger = null, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(bus);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _store = store;
        _bus = bus;
        _options = options;
        _nodeId = bus.NodeId;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        _time = timeProvider ?? TimeProvider.System;
        _rooms = new LocalRoomRegistry(bus);
        _pollTimers = new PollTimers(OnPollTimerAsync);
        _toHost = new ToHostDelivery(store, bus, options, _counters, _logger);
        _delivery = new RoomDelivery(store, bus, _rooms, _counters, _toHost, _logger);
        bus.Attach(_delivery);
        _handshakeThrottle = new FailedHandshakeThrottle(options.FailedHandshakeLimit, options.FailedHandshakeWindowMs, options.FailedHandshakeMaxAddresses);
        _logThrottle = new Diagnostics.LogThrottle(options.ClientLogLinesPerInterval, options.ClientLogIntervalMs);
        _reportSuppressed = ReportSuppressed;
        _sweepTimer = _time.CreateTimer(static s => ((RelayHandler)s!).SweepHandshakeTimeouts(), this, options.HandshakeSweepInterval, options.HandshakeSweepInterval);
    }

    /// <summary>This node's id.</summary>
    public string NodeId => _nodeId;

    /// <summary>Number of rooms with local connections.</summary>
    public int LocalRoomCount => _rooms.Count;

    /// <summary>Number of connections still waiting for their handshake.</summary>
    public int PendingHandshakeCount => _pending.Count;

    /// <summary>The store this relay uses (for the Host's admin API).</summary>
    public IRelayStore Store => _store;

    /// <summary>This node's room delivery (its resync count and bus test hook, for tests).</summary>
    internal RoomDelivery Delivery => _delivery;

    private long NowMs => _time.GetUtcNow().ToUnixTimeMilliseconds();

    /// <inheritdoc />
    public void Dispose() => _sweepTimer.Dispose();

    // ---- ISocketIOHandler ----

    /// <inheritdoc />
    public ValueTask<ConnectDecision> OnConnectAsync(ISocketIOConnection connection, ReadOnlyMemory<byte> auth)
    {
        ArgumentNullException.ThrowIfNull(connection);
        var session = new ClientSession(connection) { Counters = _counters };
        connection.UserState = session;
        if (!auth.IsEmpty && HandshakeCodec.IsHandshakeAuth(auth.Span))
        {
            return ConnectWithAuthAsync(session, auth);
        }

        _pending[session] = NowMs + (long)_options.HandshakeTimeout.TotalMilliseconds;
        return new(ConnectDecision.Accept);
    }

    /// <inheritdoc />
    public void OnConnected(ISocketIOConnection connection)
    {
        ArgumentNullException.ThrowIfNull(connection);
        if (connection.UserState is not ClientSession session || Interlocked.Exchange(ref session.PendingJoin, null) is not { } join)
        {
            return;
        }

        // Register, then reply: handshake_response is the first event after the CONNECT reply (PROTOCOL §3b).
        if (Register(session, join))
        {
            RelayJson.SendOnce(connection, RelayJson.Event("handshake_response"u8, join.Response));
            Announce(session, join);
        }
    }

    /// <inheritdoc />
    public ValueTask OnEventAsync(ISocketIOConnection connection, SocketIOEvent evt)
    {
        ArgumentNullException.ThrowIfNull(connection);
        if (connection.UserState is not ClientSession session)
        {
            return default;
        }

        // Order of checks (PROTOCOL §8.9): UNKNOWN_COMMAND → NOT_JOINED → FORBIDDEN → RATE_LIMITED → INVALID_PAYLOAD → own errors.
        var command = RelayCommands.Match(evt.Name.Span);
        _counters.Command(command);
        if (command == RelayCommand.Unknown)
        {
            RelayJson.Fail(connection, evt.AckId, ErrorCode.UnknownCommand, evt.Name.Span);
            return default;
        }

        if (command == RelayCommand.Handshake)
        {
            return HandshakeEventAsync(session, evt);
        }

        if (session.State != SessionState.Joined || session.Detached || session.Room is null)
        {
            return Fail(session, evt, command, ErrorCode.NotJoined);
        }

        if (!RelayCommands.IsAllowed(command, session.Role))
        {
            _counters.Forbidden();
            if (_logThrottle.TryLog(Diagnostics.ClientLogKind.Forbidden))
            {
                RelayLog.UnauthorizedMessage(_logger, "unauthorized_message", session.ClientId, session.Code.ToString(), session.Role, command.ToString());
            }

            return Fail(session, evt, command, ErrorCode.Forbidden);
        }

        if (RelayCommands.IsRateLimited(command))
        {
            var retryAfter = session.TryConsumeRate(NowMs, _options.RateLimitMessages, _options.RateLimitWindowMs);
            if (retryAfter > 0)
            {
                _counters.RateLimit();
                if (_logThrottle.TryLog(Diagnostics.ClientLogKind.RateLimited))
                {
                    RelayLog.RateLimitExceeded(_logger, "rate_limit_exceeded", session.ClientId, session.Code.ToString(), session.Role, _options.RateLimitMessages);
                }

                RelayJson.Fail(connection, evt.AckId, ErrorCode.RateLimited, RelayCommands.Name(command), retryAfter);
                return default;
            }

            if (command == RelayCommand.MessageToHost && session.Role == ClientRole.Audience && _options.AudienceMessageBudget > 0)
            {
                // Ten thousand viewers share one budget per room, so they cannot flood the host.
                retryAfter = session.Room.TryConsumeAudienceBudget(NowMs, _options.AudienceMessageBudget, _options.AudienceMessageWindowMs);
                if (retryAfter > 0)
                {
                    _counters.AudienceBudgetExceeded();
                    RelayJson.Fail(connection, evt.AckId, ErrorCode.RateLimited, RelayCommands.Name(command), retryAfter);
                    return default;
                }
            }
        }

        var start = 0;
        var length = 0;
        var kind = evt.Attachments.Count > 0 ? ArgKind.Malformed : JsonArgs.FirstArg(evt.Data.Span, out start, out length);
        if (kind == ArgKind.Malformed)
        {
            return Fail(session, evt, command, ErrorCode.InvalidPayload);
        }

        var arg = new CommandArg(kind, evt.Data.Slice(start, length));
        return DispatchAsync(session, evt, command, arg);
    }

    /// <inheritdoc />
    public void OnDisconnected(ISocketIOConnection connection, DisconnectReason reason)
    {
        ArgumentNullException.ThrowIfNull(connection);
        if (connection.UserState is not ClientSession session)
        {
            return;
        }

        _pending.TryRemove(session, out _);
        if (reason == DisconnectReason.ParseError && _logThrottle.TryLog(Diagnostics.ClientLogKind.Malformed))
        {
            RelayLog.MalformedPacket(_logger, "malformed_packet", connection.Id);
        }

        SessionState previous;
        bool counted;
        lock (session)
        {
            previous = session.State;
            session.State = SessionState.Closed;
            counted = session.Counted;
            session.Counted = false;
        }

        if (counted)
        {
            _counters.Ended(session.Role);
            RelayLog.ClientDisconnected(_logger, "client_disconnected", session.Code.ToString(), RelayEvents.RoleText(session.Role), session.ClientId, reason.ToString());
        }

        if (previous == SessionState.Joining && Interlocked.Exchange(ref session.PendingJoin, null) is { } join)
        {
            // Closed between a connect-auth join and OnConnected: the join leaves no trace.
            Interlocked.Increment(ref _endingSessions);
            _ = UnwindJoinAsync(session, join);
            return;
        }

        if (previous != SessionState.Joined)
        {
            return;
        }

        Interlocked.Increment(ref _endingSessions);
        _ = EndSessionAsync(session);
    }

    // ---- Dispatch ----

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    private async ValueTask DispatchAsync(ClientSession session, SocketIOEvent evt, RelayCommand command, CommandArg arg)
    {
        var started = Stopwatch.GetTimestamp();
        try
        {
            var task = command switch
            {
                RelayCommand.SetGameState => SetGameStateAsync(session, evt, arg),
                RelayCommand.SetPlayerState => SetPlayerStateAsync(session, evt, arg),
                RelayCommand.MessageToHost => MessageToHostAsync(session, evt, arg),
                RelayCommand.Leave => LeaveAsync(session, evt, arg),
                RelayCommand.PollStart => PollStartAsync(session, evt, arg),
                RelayCommand.PollResponse => PollResponseAsync(session, evt, arg),
                RelayCommand.PollEnd => PollEndAsync(session, evt, arg),
                RelayCommand.PollResultsRequest => PollResultsAsync(session, evt, arg),
                RelayCommand.CloseRoom => CloseRoomCommandAsync(session, evt, arg),
                RelayCommand.ListClients => ListClientsAsync(session, evt, arg),
                _ => Fail(session, evt, command, ErrorCode.UnknownCommand),
            };
            await task.ConfigureAwait(false);
        }
        catch (StoreUnavailableException ex)
        {
            RelayLog.StoreUnavailable(_logger, ex, RelayCommands.Name(command).Length == 0 ? "?" : command.ToString());
            RelayJson.Fail(session.Connection, evt.AckId, ErrorCode.Unavailable, RelayCommands.Name(command));
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // Never let one bad event take the connection or the process down.
            RelayLog.UnexpectedError(_logger, ex, command.ToString());
            RelayJson.Fail(session.Connection, evt.AckId, ErrorCode.Unavailable, RelayCommands.Name(command));
        }
        finally
        {
            _counters.CommandDone(command, started);
        }
    }

    private static ValueTask Fail(ClientSession session, SocketIOEvent evt, RelayCommand command, ErrorCode code, long retryAfterMs = -1)
    {
        RelayJson.Fail(session.Connection, evt.AckId, code, RelayCommands.Name(command), retryAfterMs);
        return default;
    }

    // ---- Handshake timeout: one sweep for all pending connections ----

    /// <summary>Closes every connection whose handshake deadline has passed (called by the one shared timer).</summary>
    internal void SweepHandshakeTimeouts()
    {
        if (Interlocked.Exchange(ref _sweeping, 1) != 0)
        {
            return;
        }

        try
        {
            var now = NowMs;
            foreach (var (session, deadline) in _pending)
            {
                if (now < deadline || !_pending.TryRemove(session, out _))
                {
                    continue;
                }

                if (session.State == SessionState.Pending)
                {
                    session.State = SessionState.Closed;
                    RelayLog.HandshakeTimeout(_logger, "handshake_timeout", session.Connection.Id);
                    session.Connection.Disconnect();
                }
            }

            SweepThrottles(now);
        }
        finally
        {
            Volatile.Write(ref _sweeping, 0);
        }
    }
}
