using Cndr.Core.Protocol;
using Cndr.Core.Store;

namespace Cndr.Core.Diagnostics;

/// <summary>
/// What one node's relay has done, as plain counters: incremented with <see cref="Interlocked"/> on the hot
/// path (no lock, no allocation) and read by the Host's metrics exporter at scrape time.
/// </summary>
public sealed class RelayCounters
{
    private const int Roles = 4;            // indexed by (int)ClientRole
    private const int Commands = 12;        // indexed by (int)RelayCommand
    private static readonly int s_errors = Enum.GetValues<ErrorCode>().Max(c => (int)c) + 1;   // indexed by (int)ErrorCode

    private readonly long[] _connected = new long[Roles];
    private readonly long[] _joins = new long[Roles];
    private readonly long[] _leaves = new long[Roles];
    private readonly long[] _commands = new long[Commands];
    private long _rateLimited;
    private long _audienceBudgetRefused;
    private long _deliveries;
    private long _toHostQueued;
    private long _toHostDelivered;
    private long _unauthorized;
    private long _authFailures;
    private long _handshakesThrottled;
    private readonly long[] _errors = new long[s_errors];

    /// <summary>Names of the commands, in <see cref="CommandCount"/> order, as in the protocol.</summary>
    public static IReadOnlyList<string> CommandNames { get; } =
        Enumerable.Range(0, Commands).Select(i => i == 0 ? "unknown" : System.Text.Encoding.UTF8.GetString(RelayCommands.Name((RelayCommand)i))).ToArray();

    /// <summary>Wire names of the error codes, in <see cref="ErrorCount"/> order (index 0, no error, is unused).</summary>
    public static IReadOnlyList<string> ErrorNames { get; } =
        Enumerable.Range(0, s_errors).Select(i => System.Text.Encoding.UTF8.GetString(ErrorCodes.Code((ErrorCode)i))).ToArray();

    /// <summary>Duration of dispatched commands, by index into <see cref="CommandNames"/>.</summary>
    public CommandLatency Latency { get; } = new(CommandNames);

    public long Connected(ClientRole role) => Volatile.Read(ref _connected[(int)role]);

    public long Joins(ClientRole role) => Volatile.Read(ref _joins[(int)role]);

    public long Leaves(ClientRole role) => Volatile.Read(ref _leaves[(int)role]);

    /// <summary>Inbound commands by index into <see cref="CommandNames"/>.</summary>
    public long CommandCount(int index) => Volatile.Read(ref _commands[index]);

    public long RateLimited => Volatile.Read(ref _rateLimited);

    /// <summary>Outbound packets handed to local connections (one per recipient).</summary>
    public long Deliveries => Volatile.Read(ref _deliveries);

    public long ToHostQueued => Volatile.Read(ref _toHostQueued);

    public long ToHostDelivered => Volatile.Read(ref _toHostDelivered);

    public long Unauthorized => Volatile.Read(ref _unauthorized);

    public long AuthFailures => Volatile.Read(ref _authFailures);

    /// <summary>Handshakes refused with RATE_LIMITED because their IP failed too many handshakes.</summary>
    public long HandshakesThrottled => Volatile.Read(ref _handshakesThrottled);

    /// <summary>Error replies sent to clients (failed acks and <c>relay_error</c>), by index into <see cref="ErrorNames"/>.</summary>
    public long ErrorCount(int index) => Volatile.Read(ref _errors[index]);

    internal void Joined(ClientRole role)
    {
        Interlocked.Increment(ref _connected[(int)role]);
        Interlocked.Increment(ref _joins[(int)role]);
    }

    internal void Ended(ClientRole role)
    {
        Interlocked.Decrement(ref _connected[(int)role]);
        Interlocked.Increment(ref _leaves[(int)role]);
    }

    internal void Command(RelayCommand command) => Interlocked.Increment(ref _commands[(int)command]);

    internal void RateLimit() => Interlocked.Increment(ref _rateLimited);

    /// <summary>Audience message_to_host refused because the room's audience budget was spent (the reply is a RATE_LIMITED error).</summary>
    public long AudienceBudgetRefused => Volatile.Read(ref _audienceBudgetRefused);

    internal void AudienceBudgetExceeded() => Interlocked.Increment(ref _audienceBudgetRefused);

    internal void Delivered(int recipients) => Interlocked.Add(ref _deliveries, recipients);

    internal void Queued() => Interlocked.Increment(ref _toHostQueued);

    internal void DeliveredToHost(int count) => Interlocked.Add(ref _toHostDelivered, count);

    internal void Forbidden() => Interlocked.Increment(ref _unauthorized);

    internal void AuthFailed() => Interlocked.Increment(ref _authFailures);

    internal void HandshakeThrottled() => Interlocked.Increment(ref _handshakesThrottled);

    internal void Error(ErrorCode code)
    {
        if ((uint)code < (uint)s_errors)
        {
            Interlocked.Increment(ref _errors[(int)code]);
        }
    }

    internal void CommandDone(RelayCommand command, long startTimestamp) => Latency.Record((int)command, startTimestamp);
}
