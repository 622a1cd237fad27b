using System.Diagnostics;
using System.Runtime.CompilerServices;
using Cndr.Core;
using Cndr.Core.Store;
using Prometheus;

namespace Cndr.Host.Metrics;

/// <summary>
/// Times every store call (one Redis round trip each on the hot path) into a Prometheus histogram and counts
/// outcomes. Synchronous completions cost a timestamp and a bucket increment; asynchronous ones await on a
/// pooled state machine, so the decorator adds no allocation per call.
/// </summary>
internal sealed class MeasuredRelayStore(IRelayStore inner, StoreLatency latency) : IRelayStore
{
    private readonly IRelayStore _inner = inner;
    private readonly StoreLatency _latency = latency;

    public ValueTask<CreateRoomOutcome> CreateRoomAsync(RoomCode code, RoomConfig config, long nowMs)
    {
        var start = Stopwatch.GetTimestamp();
        return Measure(_inner.CreateRoomAsync(code, config, nowMs), start);
    }

    public ValueTask<RoomConfig?> GetRoomConfigAsync(RoomCode code)
    {
        var start = Stopwatch.GetTimestamp();
        return Measure(_inner.GetRoomConfigAsync(code), start);
    }

    public ValueTask<RoomInfo?> GetRoomInfoAsync(RoomCode code)
    {
        var start = Stopwatch.GetTimestamp();
        return Measure(_inner.GetRoomInfoAsync(code), start);
    }

    public ValueTask<bool> DeleteRoomAsync(RoomCode code)
    {
        var start = Stopwatch.GetTimestamp();
        return Measure(_inner.DeleteRoomAsync(code), start);
    }

    public ValueTask<ConnectionEndOutcome> DeleteRoomAsHostAsync(RoomCode code, string hostConnectionId)
    {
        var start = Stopwatch.GetTimestamp();
        return Measure(_inner.DeleteRoomAsHostAsync(code, hostConnectionId), start);
    }

    public ValueTask<IReadOnlyList<RoomActivity>> ListRoomsAsync()
    {
        var start = Stopwatch.GetTimestamp();
        return Measure(_inner.ListRoomsAsync(), start);
    }

    public ValueTask<IReadOnlyList<NodeRelease>> ReleaseNodeAsync(string nodeId, long nowMs)
    {
        var start = Stopwatch.GetTimestamp();
        return Measure(_inner.ReleaseNodeAsync(nodeId, nowMs), start);
    }

    public ValueTask<bool[]> RoomsExistAsync(IReadOnlyList<RoomCode> codes)
    {
        var start = Stopwatch.GetTimestamp();
        return Measure(_inner.RoomsExistAsync(codes), start);
    }

    public ValueTask<RoomLossClaim> TryClaimRoomLostAsync(RoomCode code)
    {
        var start = Stopwatch.GetTimestamp();
        return Measure(_inner.TryClaimRoomLostAsync(code), start);
    }

    public ValueTask<IReadOnlyList<MemberInfo>?> ListMembersAsync(RoomCode code)
    {
        var start = Stopwatch.GetTimestamp();
        return Measure(_inner.ListMembersAsync(code), start);
    }

    public ValueTask<IReadOnlyList<PollDefinition>> ListPollsAsync(RoomCode code)
    {
        var start = Stopwatch.GetTimestamp();
        return Measure(_inner.ListPollsAsync(code), start);
    }

    public ValueTask<GameStateSnapshot?> GetGameStateAsync(RoomCode code)
    {
        var start = Stopwatch.GetTimestamp();
        return Measure(_inner.GetGameStateAsync(code), start);
    }

    public ValueTask<RoomStates?> GetRoomStatesAsync(RoomCode code, IReadOnlyList<string> playerIds)
    {
        var start = Stopwatch.GetTimestamp();
        return Measure(_inner.GetRoomStatesAsync(code, playerIds), start);
    }

    public ValueTask<HostClaimResult> ClaimHostAsync(RoomCode code, string connectionId, string nodeId, long nowMs, int audienceLimit = int.MaxValue)
    {
        var start = Stopwatch.GetTimestamp();
        return Measure(_inner.ClaimHostAsync(code, connectionId, nodeId, nowMs, audienceLimit), start);
    }

    /// <inheritdoc />
    public ValueTask<ClientPageResult> ListClientsAsync(RoomCode code, ClientRole? role, string? cursor, int limit, int maxBytes, string? hostConnectionId = null)
    {
        var start = Stopwatch.GetTimestamp();
        return Measure(_inner.ListClientsAsync(code, role, cursor, limit, maxBytes, hostConnectionId), start);
    }

    public ValueTask<ConnectionEndOutcome> ReleaseHostAsync(RoomCode code, string connectionId, long nowMs)
    {
        var start = Stopwatch.GetTimestamp();
        return Measure(_inner.ReleaseHostAsync(code, connectionId, nowMs), start);
    }

    public ValueTask<SeatJoinResult> JoinPlayerAsync(RoomCode code, NewSeat seat)
    {
        var start = Stopwatch.GetTimestamp();
        return Measure(_inner.JoinPlayerAsync(code, seat), start);
    }

    public ValueTask<SeatJoinResult> ReclaimSeatAsync(RoomCode code, SeatReclaim reclaim)
    {
        var start = Stopwatch.GetTimestamp();
        return Measure(_inner.ReclaimSeatAsync(code, reclaim), start);
    }

    public ValueTask<ConnectionEndOutcome> DisconnectPlayerAsync(RoomCode code, string clientId, string connectionId, long nowMs)
    {
        var start = Stopwatch.GetTimestamp();
        return Measure(_inner.DisconnectPlayerAsync(code, clientId, connectionId, nowMs), start);
    }

    public ValueTask<ConnectionEndOutcome> LeavePlayerAsync(RoomCode code, string clientId, string connectionId, long nowMs)
    {
        var start = Stopwatch.GetTimestamp();
        return Measure(_inner.LeavePlayerAsync(code, clientId, connectionId, nowMs), start);
    }

    public ValueTask<AudienceJoinResult> JoinAudienceAsync(RoomCode code, AudienceJoin join)
    {
        var start = Stopwatch.GetTimestamp();
        return Measure(_inner.JoinAudienceAsync(code, join), start);
    }

    public ValueTask<ConnectionEndOutcome> RemoveAudienceAsync(RoomCode code, string connectionId, long nowMs)
    {
        var start = Stopwatch.GetTimestamp();
        return Measure(_inner.RemoveAudienceAsync(code, connectionId, nowMs), start);
    }

    public ValueTask<StateWriteResult> SetGameStateAsync(RoomCode code, ReadOnlyMemory<byte> state, long nowMs, string? hostConnectionId = null, bool subscribedHere = false)
    {
        var start = Stopwatch.GetTimestamp();
        return Measure(_inner.SetGameStateAsync(code, state, nowMs, hostConnectionId, subscribedHere), start);
    }

    public ValueTask<StateWriteResult> SetPlayerStateAsync(RoomCode code, string clientId, ReadOnlyMemory<byte> state, long nowMs, string? hostConnectionId = null)
    {
        var start = Stopwatch.GetTimestamp();
        return Measure(_inner.SetPlayerStateAsync(code, clientId, state, nowMs, hostConnectionId), start);
    }

    public ValueTask<EnqueueOutcome> EnqueueToHostAsync(RoomCode code, ReadOnlyMemory<byte> entry, int maxLength, long nowMs)
    {
        var start = Stopwatch.GetTimestamp();
        return Measure(_inner.EnqueueToHostAsync(code, entry, maxLength, nowMs), start);
    }

    public ValueTask<IReadOnlyList<ReadOnlyMemory<byte>>> PeekToHostAsync(RoomCode code, int maxCount, int maxBytes)
    {
        var start = Stopwatch.GetTimestamp();
        return Measure(_inner.PeekToHostAsync(code, maxCount, maxBytes), start);
    }

    public ValueTask<int> AckToHostAsync(RoomCode code, string hostConnectionId, int count)
    {
        var start = Stopwatch.GetTimestamp();
        return Measure(_inner.AckToHostAsync(code, hostConnectionId, count), start);
    }

    public ValueTask<ToHostBatch> AckAndPeekToHostAsync(RoomCode code, string hostConnectionId, int ackCount, int maxCount, int maxBytes)
    {
        var start = Stopwatch.GetTimestamp();
        return Measure(_inner.AckAndPeekToHostAsync(code, hostConnectionId, ackCount, maxCount, maxBytes), start);
    }

    public bool EnqueueNotifies => _inner.EnqueueNotifies;

    public void AckToHostInBackground(RoomCode code, string hostConnectionId, int count, long upToSeq = 0) => _inner.AckToHostInBackground(code, hostConnectionId, count, upToSeq);

    public ValueTask<PollStartOutcome> StartPollAsync(RoomCode code, PollDefinition poll, long nowMs, string? hostConnectionId = null)
    {
        var start = Stopwatch.GetTimestamp();
        return Measure(_inner.StartPollAsync(code, poll, nowMs, hostConnectionId), start);
    }

    public ValueTask<PollOutcome> EndPollAsync(RoomCode code, string pollId, long nowMs, string? hostConnectionId = null)
    {
        var start = Stopwatch.GetTimestamp();
        return Measure(_inner.EndPollAsync(code, pollId, nowMs, hostConnectionId), start);
    }

    public ValueTask<PollDefinition?> GetPollAsync(RoomCode code, string pollId)
    {
        var start = Stopwatch.GetTimestamp();
        return Measure(_inner.GetPollAsync(code, pollId), start);
    }

    public ValueTask<PollOutcome> RecordPollResponseAsync(RoomCode code, string pollId, string clientId, ReadOnlyMemory<byte> response, long nowMs)
    {
        var start = Stopwatch.GetTimestamp();
        return Measure(_inner.RecordPollResponseAsync(code, pollId, clientId, response, nowMs), start);
    }

    public ValueTask<IReadOnlyList<PollDefinition>> GetActivePollsAsync(RoomCode code)
    {
        var start = Stopwatch.GetTimestamp();
        return Measure(_inner.GetActivePollsAsync(code), start);
    }

    public ValueTask<PollSnapshot?> GetPollResponsesAsync(RoomCode code, string pollId)
    {
        var start = Stopwatch.GetTimestamp();
        return Measure(_inner.GetPollResponsesAsync(code, pollId), start);
    }

    public void TouchActivity(RoomCode code, long nowMs) => _inner.TouchActivity(code, nowMs);

    private ValueTask<T> Measure<T>(ValueTask<T> task, long start)
    {
        if (task.IsCompletedSuccessfully)
        {
            _latency.Record(start, ok: true);
            return task;
        }

        return AwaitedAsync(task, start);
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<T> AwaitedAsync<T>(ValueTask<T> task, long start)
    {
        try
        {
            var result = await task.ConfigureAwait(false);
            _latency.Record(start, ok: true);
            return result;
        }
        catch (StoreUnavailableException)
        {
            _latency.Record(start, ok: false);
            throw;
        }
    }
}

/// <summary>Latency and outcome counts of store operations (exported as <c>cndr_store_latency_seconds</c>).</summary>
internal sealed class StoreLatency
{
    private Histogram? _histogram;
    private long _succeeded;
    private long _failed;

    public long Succeeded => Volatile.Read(ref _succeeded);

    public long Failed => Volatile.Read(ref _failed);

    public void Register(IMetricFactory factory) =>
        _histogram = factory.CreateHistogram(
            "cndr_store_latency_seconds",
            "Latency of store (Redis) operations; each is one round trip.",
            new HistogramConfiguration { Buckets = Histogram.ExponentialBuckets(0.00005, 2, 16) });

    public void Record(long start, bool ok)
    {
        if (ok)
        {
            Interlocked.Increment(ref _succeeded);
        }
        else
        {
            Interlocked.Increment(ref _failed);
        }

        _histogram?.Observe(Stopwatch.GetElapsedTime(start).TotalSeconds);
    }
}
