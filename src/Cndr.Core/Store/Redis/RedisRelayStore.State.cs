using System.Runtime.CompilerServices;
using StackExchange.Redis;

namespace Cndr.Core.Store.Redis;

public sealed partial class RedisRelayStore
{
    /// <inheritdoc />
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public async ValueTask<StateWriteResult> SetGameStateAsync(RoomCode code, ReadOnlyMemory<byte> state, long nowMs, string? hostConnectionId = null, bool subscribedHere = false)
    {
        var keys = _keys.For(code);
        try
        {
            // The state bytes go out as they are (RedisValue over the caller's memory): the call awaits the reply, so the
            // command has been written before the caller may reuse the buffer. With the node's bus id (standalone schema:
            // the keys name the channel) the script publishes the state itself.
            RedisValue[] args = _gameStateHead is { } head && keys.SetGameStateKeys.Length > 3
                ? [state, nowMs, hostConnectionId ?? "", subscribedHere ? 1 : 0, head, GameStatePacket.RevField, GameStatePacket.Close]
                : [state, nowMs, hostConnectionId ?? ""];
            var reply = await EvalAsync(RedisScripts.SetGameState, keys.SetGameStateKeys, args);
            if (reply.Resp2Type == ResultType.Array)
            {
                var r = Items(reply);
                return new StateWriteResult(StateWriteOutcome.Written, Long(r[0]), ChannelSubscribers: Int(r[1]), Published: r.Length > 2);
            }

            var rev = Long(reply);
            return rev switch
            {
                >= 0 => new StateWriteResult(StateWriteOutcome.Written, rev),
                -2 => new StateWriteResult(StateWriteOutcome.NotHost, 0),
                _ => new StateWriteResult(StateWriteOutcome.RoomNotFound, 0),
            };
        }
        catch (Exception ex) when (IsStoreFailure(ex))
        {
            throw Unavailable(ex, nameof(SetGameStateAsync));
        }
    }

    /// <inheritdoc />
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public async ValueTask<StateWriteResult> SetPlayerStateAsync(RoomCode code, string clientId, ReadOnlyMemory<byte> state, long nowMs, string? hostConnectionId = null)
    {
        var keys = _keys.For(code);
        RedisResult[] r;
        try
        {
            r = Items(await EvalAsync(RedisScripts.SetPlayerState,
                [keys.Config, keys.State, keys.Client(clientId), keys.PlayerState(clientId)], [state, nowMs, hostConnectionId ?? ""]));
        }
        catch (Exception ex) when (IsStoreFailure(ex))
        {
            throw Unavailable(ex, nameof(SetPlayerStateAsync));
        }

        var outcome = (StateWriteOutcome)Int(r[0]);
        return outcome == StateWriteOutcome.Written
            ? new StateWriteResult(outcome, Long(r[1]), NonEmpty(r[2]))
            : new StateWriteResult(outcome, 0);
    }

    /// <inheritdoc />
    public void TouchActivity(RoomCode code, long nowMs)
    {
        try
        {
            var keys = _keys.For(code);

            EvalInBackground(RedisScripts.Touch, keys.ConfigAndState, [nowMs]);
        }
        catch (Exception ex) when (IsStoreFailure(ex))
        {
            // Best effort by contract; the next write sets lastActivity anyway.
            Interlocked.Increment(ref _failures);
        }
    }

    /// <inheritdoc />
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public async ValueTask<EnqueueOutcome> EnqueueToHostAsync(RoomCode code, ReadOnlyMemory<byte> entry, int maxLength, long nowMs)
    {
        var keys = _keys.For(code);
        try
        {
            // With the notification: one script pushes and (into an empty queue) publishes, one round trip per message.
            var result = _toHostQueued is { } notify
                ? await EvalAsync(RedisScripts.Enqueue, keys.EnqueueNotifyKeys, [entry, maxLength, nowMs, notify, _keys.PublishCommand])
                : await EvalAsync(RedisScripts.Enqueue, keys.EnqueueKeys, [entry, maxLength, nowMs]);
            return (EnqueueOutcome)Int(result);
        }
        catch (Exception ex) when (IsStoreFailure(ex))
        {
            throw Unavailable(ex, nameof(EnqueueToHostAsync));
        }
    }

    /// <inheritdoc />
    public async ValueTask<IReadOnlyList<ReadOnlyMemory<byte>>> PeekToHostAsync(RoomCode code, int maxCount, int maxBytes)
    {
        if (maxCount <= 0)
        {
            return [];
        }

        var keys = _keys.For(code);
        RedisResult result;
        try
        {
            result = await EvalAsync(RedisScripts.PeekToHost, keys.EnqueueKeys, [maxCount, maxBytes]);
        }
        catch (Exception ex) when (IsStoreFailure(ex))
        {
            throw Unavailable(ex, nameof(PeekToHostAsync));
        }

        return Entries(Items(result), 0);
    }

    /// <inheritdoc />
    public async ValueTask<int> AckToHostAsync(RoomCode code, string hostConnectionId, int count)
    {
        if (count <= 0)
        {
            return 0;
        }

        var keys = _keys.For(code);
        try
        {
            return Int(await EvalAsync(RedisScripts.AckToHost, keys.EnqueueKeys, [hostConnectionId, count]));
        }
        catch (Exception ex) when (IsStoreFailure(ex))
        {
            throw Unavailable(ex, nameof(AckToHostAsync));
        }
    }

    /// <inheritdoc />
    public async ValueTask<ToHostBatch> AckAndPeekToHostAsync(RoomCode code, string hostConnectionId, int ackCount, int maxCount, int maxBytes)
    {
        var keys = _keys.For(code);
        RedisResult[] values;
        try
        {
            if (_keys.IsCluster)
            {
                await AwaitClusterAckAsync(code);
            }

            values = Items(await EvalAsync(RedisScripts.AckAndPeekToHost, keys.EnqueueKeys, [hostConnectionId, Math.Max(0, ackCount), Math.Max(0, maxCount), maxBytes]));
        }
        catch (Exception ex) when (IsStoreFailure(ex))
        {
            throw Unavailable(ex, nameof(AckAndPeekToHostAsync));
        }

        return values.Length < 3 ? new ToHostBatch(0, [], false) : new ToHostBatch(Int(values[0]), Entries(values, 3), Int(values[1]) == 1, (long)values[2]);
    }

    /// <inheritdoc />
    public void AckToHostInBackground(RoomCode code, string hostConnectionId, int count, long upToSeq = 0)
    {
        if (_toHostQueued is null || count <= 0)
        {
            return;
        }

        if (_keys.IsCluster)
        {
            AckInCluster(code, hostConnectionId, count);
            return;
        }

        try
        {
            // Fire-and-forget on the same connection as the drain's reads, so the next read sees it applied.
            var keys = _keys.For(code);
            EvalInBackground(RedisScripts.AckToHostNotify, keys.EnqueueNotifyKeys, [hostConnectionId, count, s_drainNotice, _keys.PublishCommand, upToSeq]);
        }
        catch (Exception ex) when (IsStoreFailure(ex))
        {
            Interlocked.Increment(ref _failures);
        }
    }

    // Queue entries from a script's reply, from index `start` on (arrays the caller owns).
    private static IReadOnlyList<ReadOnlyMemory<byte>> Entries(RedisResult[] values, int start)
    {
        if (values.Length <= start)
        {
            return [];
        }

        var list = new ReadOnlyMemory<byte>[values.Length - start];
        for (var i = 0; i < list.Length; i++)
        {
            list[i] = Bytes(values[start + i]);
        }

        return list;
    }
}
