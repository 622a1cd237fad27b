namespace Cndr.Core.Protocol;

/// <summary>The client→relay events (PROTOCOL §3, §5).</summary>
internal enum RelayCommand : byte
{
    Unknown = 0,
    Handshake,
    SetGameState,
    SetPlayerState,
    MessageToHost,
    Leave,
    PollStart,
    PollResponse,
    PollEnd,
    PollResultsRequest,
    CloseRoom,
    ListClients,
}
