using Cndr.Core.Store;

namespace Cndr.Core.Protocol;

/// <summary>Event-name table (UTF-8 bytes → <see cref="RelayCommand"/>, no string allocation) and the permission matrix.</summary>
internal static class RelayCommands
{
    /// <summary>Matches an event name as received (UTF-8, JSON escapes decoded).</summary>
    public static RelayCommand Match(ReadOnlySpan<byte> name) => name.Length switch
    {
        5 when name.SequenceEqual("leave"u8) => RelayCommand.Leave,
        8 when name.SequenceEqual("poll_end"u8) => RelayCommand.PollEnd,
        9 when name.SequenceEqual("handshake"u8) => RelayCommand.Handshake,
        10 when name.SequenceEqual("poll_start"u8) => RelayCommand.PollStart,
        10 when name.SequenceEqual("close_room"u8) => RelayCommand.CloseRoom,
        12 when name.SequenceEqual("list_clients"u8) => RelayCommand.ListClients,
        13 when name.SequenceEqual("poll_response"u8) => RelayCommand.PollResponse,
        14 when name.SequenceEqual("set_game_state"u8) => RelayCommand.SetGameState,
        15 when name.SequenceEqual("message_to_host"u8) => RelayCommand.MessageToHost,
        16 when name.SequenceEqual("set_player_state"u8) => RelayCommand.SetPlayerState,
        20 when name.SequenceEqual("poll_results_request"u8) => RelayCommand.PollResultsRequest,
        _ => RelayCommand.Unknown,
    };

    /// <summary>The wire name of a command.</summary>
    public static ReadOnlySpan<byte> Name(RelayCommand command) => command switch
    {
        RelayCommand.Handshake => "handshake"u8,
        RelayCommand.SetGameState => "set_game_state"u8,
        RelayCommand.SetPlayerState => "set_player_state"u8,
        RelayCommand.MessageToHost => "message_to_host"u8,
        RelayCommand.Leave => "leave"u8,
        RelayCommand.PollStart => "poll_start"u8,
        RelayCommand.PollResponse => "poll_response"u8,
        RelayCommand.PollEnd => "poll_end"u8,
        RelayCommand.PollResultsRequest => "poll_results_request"u8,
        RelayCommand.CloseRoom => "close_room"u8,
        RelayCommand.ListClients => "list_clients"u8,
        _ => default,
    };

    /// <summary>The permission matrix (docs/ARCHITECTURE.md §2): which role may send which command (handshake is not role-bound).</summary>
    public static bool IsAllowed(RelayCommand command, ClientRole role) => command switch
    {
        RelayCommand.SetGameState or RelayCommand.SetPlayerState or RelayCommand.PollStart or RelayCommand.PollEnd
            or RelayCommand.PollResultsRequest or RelayCommand.CloseRoom or RelayCommand.ListClients => role == ClientRole.Host,
        RelayCommand.MessageToHost or RelayCommand.Leave => role is ClientRole.Player or ClientRole.Audience,
        RelayCommand.PollResponse => role == ClientRole.Audience,
        _ => false,
    };

    /// <summary>Commands that draw on the per-client rate budget (PROTOCOL §8.10).</summary>
    public static bool IsRateLimited(RelayCommand command) => command is RelayCommand.MessageToHost or RelayCommand.PollResponse;
}
