namespace Cndr.Core.Protocol;

/// <summary>Error codes of PROTOCOL §6.</summary>
public enum ErrorCode : byte
{
    None = 0,
    RoomNotFound,
    InvalidHostKey,
    InvalidPassword,
    RoomFull,
    SeatNotFound,
    InvalidSeatToken,
    AlreadyJoined,
    NotJoined,
    Forbidden,
    InvalidPayload,
    PayloadTooLarge,
    RateLimited,
    PlayerNotFound,
    PollExists,
    PollNotFound,
    PollNotActive,
    InvalidResponse,
    QueueFull,
    UnknownCommand,
    Unavailable,
    SeatTakenOver,
    HostReplaced,
    Kicked,
    InvalidToken,
}
