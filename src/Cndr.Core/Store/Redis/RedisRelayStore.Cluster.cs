using System.Collections.Concurrent;
using StackExchange.Redis;

namespace Cndr.Core.Store.Redis;

public sealed partial class RedisRelayStore
{
    /// <summary>Cluster mode: the background to-host acknowledgement of each room still in flight.</summary>
    private readonly ConcurrentDictionary<RoomCode, Task> _clusterAcks = new();

    /// <summary>
    /// <see cref="AckToHostInBackground"/> in a cluster. Standalone, a fire-and-forget ack is applied before the drain's next
    /// read because both go down one connection in order. In a cluster that order does not hold while the room's slot moves:
    /// a command may be redirected (<c>MOVED</c>/<c>ASK</c>, re-sent behind later ones) or refused (<c>TRYAGAIN</c>, and a
    /// fire-and-forget one is never retried), so the next read could hand the host its entries again. Here the ack is a
    /// tracked script call (retried on TRYAGAIN), and the room's next read waits for it.
    /// </summary>
    private void AckInCluster(RoomCode code, string hostConnectionId, int count)
    {
        var ack = AckToHostTrackedAsync(code, hostConnectionId, count);
        _clusterAcks[code] = ack;
        _ = ack.ContinueWith(static (t, state) =>
        {
            var (acks, room) = ((ConcurrentDictionary<RoomCode, Task>, RoomCode))state!;
            acks.TryRemove(new KeyValuePair<RoomCode, Task>(room, t));
        }, (_clusterAcks, code), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }

    private async Task AckToHostTrackedAsync(RoomCode code, string hostConnectionId, int count)
    {
        try
        {
            await EvalAsync(RedisScripts.AckToHostNotify, _keys.For(code).EnqueueNotifyKeys, [hostConnectionId, count, s_drainNotice, _keys.PublishCommand]);
        }
        catch (Exception ex) when (IsStoreFailure(ex))
        {
            // As a lost fire-and-forget ack: the entries stay and are written again (at least once).
            Interlocked.Increment(ref _failures);
        }
    }

    /// <summary>Waits for <paramref name="code"/>'s acknowledgement still in flight, if any (never throws).</summary>
    private ValueTask AwaitClusterAckAsync(RoomCode code) =>
        _clusterAcks.TryGetValue(code, out var ack) && !ack.IsCompleted ? new(ack) : default;

    /// <inheritdoc />
    /// <remarks>
    /// The node's rooms (<c>nodes:rooms:&lt;nodeId&gt;</c>, not a SCAN of every room), then per batch of rooms their member ids
    /// (pipelined) and one <c>ReleaseNode</c> script per room declaring those members' keys (pipelined); the set is deleted
    /// with the node (<see cref="RedisNodeRegistry.RemoveAsync"/>). Rare (a node died): not a hot path.
    /// </remarks>
    public async ValueTask<IReadOnlyList<NodeRelease>> ReleaseNodeAsync(string nodeId, long nowMs)
    {
        _ = nowMs; // Not activity: lastActivity stays.
        try
        {
            var codes = await NodeRoomCodesAsync(nodeId);
            var released = new List<NodeRelease>();
            var tasks = new Task<RedisResult>[Math.Min(codes.Count, ListBatchSize)];
            for (var start = 0; start < codes.Count; start += ListBatchSize)
            {
                var n = Math.Min(ListBatchSize, codes.Count - start);
                var members = new Task<RedisValue[]>[n];
                for (var i = 0; i < n; i++)
                {
                    members[i] = _db.SortedSetRangeByRankAsync(_keys.For(codes[start + i]).Clients);
                }

                for (var i = 0; i < n; i++)
                {
                    var keys = _keys.For(codes[start + i]);
                    var ids = await members[i];
                    var declared = new RedisKey[3 + ids.Length];
                    var args = new RedisValue[1 + ids.Length];
                    declared[0] = keys.Config;
                    declared[1] = keys.State;
                    declared[2] = keys.Clients;
                    args[0] = nodeId;
                    for (var j = 0; j < ids.Length; j++)
                    {
                        declared[3 + j] = keys.Client(ids[j].ToString());
                        args[1 + j] = ids[j];
                    }

                    tasks[i] = EvalAsync(RedisScripts.ReleaseNode, declared, args).AsTask();
                }

                for (var i = 0; i < n; i++)
                {
                    var r = Items(await tasks[i]);
                    if (r.Length == 0 || (r.Length == 1 && string.IsNullOrEmpty((string?)r[0])))
                    {
                        continue;
                    }

                    List<string>? players = null, audience = null;
                    for (var j = 1; j + 1 < r.Length; j += 2)
                    {
                        var id = (string)r[j + 1]!;
                        if ((string?)r[j] == "player")
                        {
                            (players ??= []).Add(id);
                        }
                        else
                        {
                            (audience ??= []).Add(id);
                        }
                    }

                    released.Add(new NodeRelease(codes[start + i], NonEmpty(r[0]), players ?? [], audience ?? []));
                }
            }

            return released;
        }
        catch (Exception ex) when (IsStoreFailure(ex))
        {
            throw Unavailable(ex, nameof(ReleaseNodeAsync));
        }
    }

    /// <inheritdoc />
    /// <remarks>One EXISTS per room, pipelined: one round trip.</remarks>
    public async ValueTask<bool[]> RoomsExistAsync(IReadOnlyList<RoomCode> codes)
    {
        var exist = new bool[codes.Count];
        if (codes.Count == 0)
        {
            return exist;
        }

        try
        {
            var tasks = new Task<bool>[codes.Count];
            for (var i = 0; i < tasks.Length; i++)
            {
                tasks[i] = _db.KeyExistsAsync(_keys.For(codes[i]).Config);
            }

            for (var i = 0; i < tasks.Length; i++)
            {
                exist[i] = await tasks[i];
            }

            return exist;
        }
        catch (Exception ex) when (IsStoreFailure(ex))
        {
            throw Unavailable(ex, nameof(RoomsExistAsync));
        }
    }

    /// <inheritdoc />
    /// <remarks>One script on <c>room:closed:&lt;code&gt;</c>: the first node sets it to <c>lost</c>; a delete's mark says <c>deleted</c>.</remarks>
    public async ValueTask<RoomLossClaim> TryClaimRoomLostAsync(RoomCode code)
    {
        try
        {
            return (RoomLossClaim)Int(await EvalAsync(RedisScripts.ClaimRoomLost, [_keys.For(code).Closed], [IRelayStore.RoomClosedMarkMs]));
        }
        catch (Exception ex) when (IsStoreFailure(ex))
        {
            throw Unavailable(ex, nameof(TryClaimRoomLostAsync));
        }
    }

    private async Task<List<RoomCode>> NodeRoomCodesAsync(string nodeId)
    {
        var members = await _db.SetMembersAsync(_keys.NodeRooms(nodeId));
        var codes = new List<RoomCode>(members.Length);
        foreach (var m in members)
        {
            var s = (string?)m;
            if (s is not null && RoomCode.TryParse(s.AsSpan(), s.Length, out var code))
            {
                codes.Add(code);
            }
        }

        return codes;
    }
}
