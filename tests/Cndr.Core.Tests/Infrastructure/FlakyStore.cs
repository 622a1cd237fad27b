using Cndr.Core.Store;

namespace Cndr.Core.Tests.Infrastructure;

/// <summary>A store that throws <see cref="StoreUnavailableException"/> from every call while <see cref="Down"/>.</summary>
public sealed class FlakyStore(IRelayStore inner) : IRelayStore
{
    public volatile bool Down;

    private void Check()
    {
        if (Down)
        {
            throw new StoreUnavailableException("down for the test");
        }
    }

    public ValueTask<CreateRoomOutcome> CreateRoomAsync(RoomCode code, RoomConfig config, long nowMs) { Check(); return inner.CreateRoomAsync(code, config, nowMs); }
    public ValueTask<RoomConfig?> GetRoomConfigAsync(RoomCode code) { Check(); return inner.GetRoomConfigAsync(code); }
    public ValueTask<RoomInfo?> GetRoomInfoAsync(RoomCode code) { Check(); return inner.GetRoomInfoAsync(code); }
    public ValueTask<bool> DeleteRoomAsync(RoomCode code) { Check(); return inner.DeleteRoomAsync(code); }
    public ValueTask<ConnectionEndOutcome> DeleteRoomAsHostAsync(RoomCode code, string hostConnectionId) { Check(); return inner.DeleteRoomAsHostAsync(code, hostConnectionId); }
    public ValueTask<IReadOnlyList<RoomActivity>> ListRoomsAsync() { Check(); return inner.ListRoomsAsync(); }
    public ValueTask<IReadOnlyList<NodeRelease>> ReleaseNodeAsync(string nodeId, long nowMs) { Check(); return inner.ReleaseNodeAsync(nodeId, nowMs); }
    public ValueTask<bool[]> RoomsExistAsync(IReadOnlyList<RoomCode> codes) { Check(); return inner.RoomsExistAsync(codes); }
    public ValueTask<RoomLossClaim> TryClaimRoomLostAsync(RoomCode code) { Check(); return inner.TryClaimRoomLostAsync(code); }
    public ValueTask<IReadOnlyList<MemberInfo>?> ListMembersAsync(RoomCode code) { Check(); return inner.ListMembersAsync(code); }
    public ValueTask<IReadOnlyList<PollDefinition>> ListPollsAsync(RoomCode code) { Check(); return inner.ListPollsAsync(code); }
    public ValueTask<GameStateSnapshot?> GetGameStateAsync(RoomCode code) { Check(); return inner.GetGameStateAsync(code); }
    public ValueTask<RoomStates?> GetRoomStatesAsync(RoomCode code, IReadOnlyList<string> playerIds) { Check(); return inner.GetRoomStatesAsync(code, playerIds); }
    public ValueTask<HostClaimResult> ClaimHostAsync(RoomCode code, string connectionId, string nodeId, long nowMs, int audienceLimit = int.MaxValue) { Check(); return inner.ClaimHostAsync(code, connectionId, nodeId, nowMs, audienceLimit); }
    public ValueTask<ClientPageResult> ListClientsAsync(RoomCode code, ClientRole? role, string? cursor, int limit, int maxBytes, string? hostConnectionId = null) { Check(); return inner.ListClientsAsync(code, role, cursor, limit, maxBytes, hostConnectionId); }
    public ValueTask<ConnectionEndOutcome> ReleaseHostAsync(RoomCode code, string connectionId, long nowMs) { Check(); return inner.ReleaseHostAsync(code, connectionId, nowMs); }
    public ValueTask<SeatJoinResult> JoinPlayerAsync(RoomCode code, NewSeat seat) { Check(); return inner.JoinPlayerAsync(code, seat); }
    public ValueTask<SeatJoinResult> ReclaimSeatAsync(RoomCode code, SeatReclaim reclaim) { Check(); return inner.ReclaimSeatAsync(code, reclaim); }
    public ValueTask<ConnectionEndOutcome> DisconnectPlayerAsync(RoomCode code, string clientId, string connectionId, long nowMs) { Check(); return inner.DisconnectPlayerAsync(code, clientId, connectionId, nowMs); }
    public ValueTask<ConnectionEndOutcome> LeavePlayerAsync(RoomCode code, string clientId, string connectionId, long nowMs) { Check(); return inner.LeavePlayerAsync(code, clientId, connectionId, nowMs); }
    public ValueTask<AudienceJoinResult> JoinAudienceAsync(RoomCode code, AudienceJoin join) { Check(); return inner.JoinAudienceAsync(code, join); }
    public ValueTask<ConnectionEndOutcome> RemoveAudienceAsync(RoomCode code, string connectionId, long nowMs) { Check(); return inner.RemoveAudienceAsync(code, connectionId, nowMs); }
    public ValueTask<StateWriteResult> SetGameStateAsync(RoomCode code, ReadOnlyMemory<byte> state, long nowMs, string? hostConnectionId = null, bool subscribedHere = false) { Check(); return inner.SetGameStateAsync(code, state, nowMs, hostConnectionId, subscribedHere); }
    public ValueTask<StateWriteResult> SetPlayerStateAsync(RoomCode code, string clientId, ReadOnlyMemory<byte> state, long nowMs, string? hostConnectionId = null) { Check(); return inner.SetPlayerStateAsync(code, clientId, state, nowMs, hostConnectionId); }
    public void TouchActivity(RoomCode code, long nowMs) { if (!Down) { inner.TouchActivity(code, nowMs); } }
    public ValueTask<EnqueueOutcome> EnqueueToHostAsync(RoomCode code, ReadOnlyMemory<byte> entry, int maxLength, long nowMs) { Check(); return inner.EnqueueToHostAsync(code, entry, maxLength, nowMs); }
    public ValueTask<IReadOnlyList<ReadOnlyMemory<byte>>> PeekToHostAsync(RoomCode code, int maxCount, int maxBytes) { Check(); return inner.PeekToHostAsync(code, maxCount, maxBytes); }
    public ValueTask<int> AckToHostAsync(RoomCode code, string hostConnectionId, int count) { Check(); return inner.AckToHostAsync(code, hostConnectionId, count); }
    public ValueTask<ToHostBatch> AckAndPeekToHostAsync(RoomCode code, string hostConnectionId, int ackCount, int maxCount, int maxBytes) { Check(); return inner.AckAndPeekToHostAsync(code, hostConnectionId, ackCount, maxCount, maxBytes); }
    public bool EnqueueNotifies => inner.EnqueueNotifies;
    public void AckToHostInBackground(RoomCode code, string hostConnectionId, int count, long upToSeq = 0) { inner.AckToHostInBackground(code, hostConnectionId, count, upToSeq); }
    public ValueTask<PollStartOutcome> StartPollAsync(RoomCode code, PollDefinition poll, long nowMs, string? hostConnectionId = null) { Check(); return inner.StartPollAsync(code, poll, nowMs, hostConnectionId); }
    public ValueTask<PollOutcome> EndPollAsync(RoomCode code, string pollId, long nowMs, string? hostConnectionId = null) { Check(); return inner.EndPollAsync(code, pollId, nowMs, hostConnectionId); }
    public ValueTask<PollDefinition?> GetPollAsync(RoomCode code, string pollId) { Check(); return inner.GetPollAsync(code, pollId); }
    public ValueTask<PollOutcome> RecordPollResponseAsync(RoomCode code, string pollId, string clientId, ReadOnlyMemory<byte> response, long nowMs) { Check(); return inner.RecordPollResponseAsync(code, pollId, clientId, response, nowMs); }
    public ValueTask<PollSnapshot?> GetPollResponsesAsync(RoomCode code, string pollId) { Check(); return inner.GetPollResponsesAsync(code, pollId); }
    public ValueTask<IReadOnlyList<PollDefinition>> GetActivePollsAsync(RoomCode code) { Check(); return inner.GetActivePollsAsync(code); }
}
