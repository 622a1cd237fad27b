using Cndr.Core.Store;

namespace Cndr.Core.Tests.Infrastructure;

/// <summary>
/// A store that runs <see cref="After"/> (with the method's name) once a join step has completed and before its
/// result reaches the relay: a test closes the joining connection there, at each await point of the join.
/// </summary>
public sealed class HookStore(IRelayStore inner) : IRelayStore
{
    public volatile Action<string>? After;

    private async ValueTask<T> Hook<T>(ValueTask<T> call, string name)
    {
        var r = await call;
        After?.Invoke(name);
        return r;
    }


    public ValueTask<CreateRoomOutcome> CreateRoomAsync(RoomCode code, RoomConfig config, long nowMs) { return inner.CreateRoomAsync(code, config, nowMs); }
    public ValueTask<RoomConfig?> GetRoomConfigAsync(RoomCode code) { return Hook(inner.GetRoomConfigAsync(code), "GetRoomConfig"); }
    public ValueTask<RoomInfo?> GetRoomInfoAsync(RoomCode code) { return inner.GetRoomInfoAsync(code); }
    public ValueTask<bool> DeleteRoomAsync(RoomCode code) { return inner.DeleteRoomAsync(code); }
    public ValueTask<ConnectionEndOutcome> DeleteRoomAsHostAsync(RoomCode code, string hostConnectionId) { return inner.DeleteRoomAsHostAsync(code, hostConnectionId); }
    public ValueTask<IReadOnlyList<RoomActivity>> ListRoomsAsync() { return inner.ListRoomsAsync(); }
    public ValueTask<IReadOnlyList<NodeRelease>> ReleaseNodeAsync(string nodeId, long nowMs) { return inner.ReleaseNodeAsync(nodeId, nowMs); }
    public ValueTask<bool[]> RoomsExistAsync(IReadOnlyList<RoomCode> codes) { return inner.RoomsExistAsync(codes); }
    public ValueTask<RoomLossClaim> TryClaimRoomLostAsync(RoomCode code) { return inner.TryClaimRoomLostAsync(code); }
    public ValueTask<IReadOnlyList<MemberInfo>?> ListMembersAsync(RoomCode code) { return inner.ListMembersAsync(code); }
    public ValueTask<IReadOnlyList<PollDefinition>> ListPollsAsync(RoomCode code) { return inner.ListPollsAsync(code); }
    public ValueTask<GameStateSnapshot?> GetGameStateAsync(RoomCode code) { return inner.GetGameStateAsync(code); }
    public ValueTask<RoomStates?> GetRoomStatesAsync(RoomCode code, IReadOnlyList<string> playerIds) { return inner.GetRoomStatesAsync(code, playerIds); }
    public ValueTask<HostClaimResult> ClaimHostAsync(RoomCode code, string connectionId, string nodeId, long nowMs, int audienceLimit = int.MaxValue) { return Hook(inner.ClaimHostAsync(code, connectionId, nodeId, nowMs, audienceLimit), "ClaimHost"); }
    public ValueTask<ClientPageResult> ListClientsAsync(RoomCode code, ClientRole? role, string? cursor, int limit, int maxBytes, string? hostConnectionId = null) { return inner.ListClientsAsync(code, role, cursor, limit, maxBytes, hostConnectionId); }
    public ValueTask<ConnectionEndOutcome> ReleaseHostAsync(RoomCode code, string connectionId, long nowMs) { return inner.ReleaseHostAsync(code, connectionId, nowMs); }
    public ValueTask<SeatJoinResult> JoinPlayerAsync(RoomCode code, NewSeat seat) { return Hook(inner.JoinPlayerAsync(code, seat), "JoinPlayer"); }
    public ValueTask<SeatJoinResult> ReclaimSeatAsync(RoomCode code, SeatReclaim reclaim) { return Hook(inner.ReclaimSeatAsync(code, reclaim), "ReclaimSeat"); }
    public ValueTask<ConnectionEndOutcome> DisconnectPlayerAsync(RoomCode code, string clientId, string connectionId, long nowMs) { return inner.DisconnectPlayerAsync(code, clientId, connectionId, nowMs); }
    public ValueTask<ConnectionEndOutcome> LeavePlayerAsync(RoomCode code, string clientId, string connectionId, long nowMs) { return inner.LeavePlayerAsync(code, clientId, connectionId, nowMs); }
    public ValueTask<AudienceJoinResult> JoinAudienceAsync(RoomCode code, AudienceJoin join) { return Hook(inner.JoinAudienceAsync(code, join), "JoinAudience"); }
    public ValueTask<ConnectionEndOutcome> RemoveAudienceAsync(RoomCode code, string connectionId, long nowMs) { return inner.RemoveAudienceAsync(code, connectionId, nowMs); }
    public ValueTask<StateWriteResult> SetGameStateAsync(RoomCode code, ReadOnlyMemory<byte> state, long nowMs, string? hostConnectionId = null, bool subscribedHere = false) { return inner.SetGameStateAsync(code, state, nowMs, hostConnectionId, subscribedHere); }
    public ValueTask<StateWriteResult> SetPlayerStateAsync(RoomCode code, string clientId, ReadOnlyMemory<byte> state, long nowMs, string? hostConnectionId = null) { return inner.SetPlayerStateAsync(code, clientId, state, nowMs, hostConnectionId); }
    public void TouchActivity(RoomCode code, long nowMs) { inner.TouchActivity(code, nowMs); }
    public ValueTask<EnqueueOutcome> EnqueueToHostAsync(RoomCode code, ReadOnlyMemory<byte> entry, int maxLength, long nowMs) { return inner.EnqueueToHostAsync(code, entry, maxLength, nowMs); }
    public ValueTask<IReadOnlyList<ReadOnlyMemory<byte>>> PeekToHostAsync(RoomCode code, int maxCount, int maxBytes) { return inner.PeekToHostAsync(code, maxCount, maxBytes); }
    public ValueTask<int> AckToHostAsync(RoomCode code, string hostConnectionId, int count) { return inner.AckToHostAsync(code, hostConnectionId, count); }
    public ValueTask<ToHostBatch> AckAndPeekToHostAsync(RoomCode code, string hostConnectionId, int ackCount, int maxCount, int maxBytes) { return inner.AckAndPeekToHostAsync(code, hostConnectionId, ackCount, maxCount, maxBytes); }
    public bool EnqueueNotifies => inner.EnqueueNotifies;
    public void AckToHostInBackground(RoomCode code, string hostConnectionId, int count, long upToSeq = 0) { inner.AckToHostInBackground(code, hostConnectionId, count, upToSeq); }
    public ValueTask<PollStartOutcome> StartPollAsync(RoomCode code, PollDefinition poll, long nowMs, string? hostConnectionId = null) { return inner.StartPollAsync(code, poll, nowMs, hostConnectionId); }
    public ValueTask<PollOutcome> EndPollAsync(RoomCode code, string pollId, long nowMs, string? hostConnectionId = null) { return inner.EndPollAsync(code, pollId, nowMs, hostConnectionId); }
    public ValueTask<PollDefinition?> GetPollAsync(RoomCode code, string pollId) { return inner.GetPollAsync(code, pollId); }
    public ValueTask<PollOutcome> RecordPollResponseAsync(RoomCode code, string pollId, string clientId, ReadOnlyMemory<byte> response, long nowMs) { return inner.RecordPollResponseAsync(code, pollId, clientId, response, nowMs); }
    public ValueTask<PollSnapshot?> GetPollResponsesAsync(RoomCode code, string pollId) { return inner.GetPollResponsesAsync(code, pollId); }
    public ValueTask<IReadOnlyList<PollDefinition>> GetActivePollsAsync(RoomCode code) { return inner.GetActivePollsAsync(code); }
}
