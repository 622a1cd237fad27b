namespace Cndr.Core.Protocol;

/// <summary>Wire names and human messages of <see cref="ErrorCode"/> (messages never contain secrets).</summary>
internal static class ErrorCodes
{
    public static ReadOnlySpan<byte> Code(ErrorCode code) => code switch
    {
        ErrorCode.RoomNotFound => "ROOM_NOT_FOUND"u8,
        ErrorCode.InvalidHostKey => "INVALID_HOST_KEY"u8,
        ErrorCode.InvalidPassword => "INVALID_PASSWORD"u8,
        ErrorCode.RoomFull => "ROOM_FULL"u8,
        ErrorCode.SeatNotFound => "SEAT_NOT_FOUND"u8,
        ErrorCode.InvalidSeatToken => "INVALID_SEAT_TOKEN"u8,
        ErrorCode.AlreadyJoined => "ALREADY_JOINED"u8,
        ErrorCode.NotJoined => "NOT_JOINED"u8,
        ErrorCode.Forbidden => "FORBIDDEN"u8,
        ErrorCode.InvalidPayload => "INVALID_PAYLOAD"u8,
        ErrorCode.PayloadTooLarge => "PAYLOAD_TOO_LARGE"u8,
        ErrorCode.RateLimited => "RATE_LIMITED"u8,
        ErrorCode.PlayerNotFound => "PLAYER_NOT_FOUND"u8,
        ErrorCode.PollExists => "POLL_EXISTS"u8,
        ErrorCode.PollNotFound => "POLL_NOT_FOUND"u8,
        ErrorCode.PollNotActive => "POLL_NOT_ACTIVE"u8,
        ErrorCode.InvalidResponse => "INVALID_RESPONSE"u8,
        ErrorCode.QueueFull => "QUEUE_FULL"u8,
        ErrorCode.UnknownCommand => "UNKNOWN_COMMAND"u8,
        ErrorCode.Unavailable => "UNAVAILABLE"u8,
        ErrorCode.SeatTakenOver => "SEAT_TAKEN_OVER"u8,
        ErrorCode.HostReplaced => "HOST_REPLACED"u8,
        ErrorCode.Kicked => "KICKED"u8,
        ErrorCode.InvalidToken => "INVALID_TOKEN"u8,
        _ => "INTERNAL"u8,
    };

    public static ReadOnlySpan<byte> DefaultMessage(ErrorCode code) => code switch
    {
        ErrorCode.RoomNotFound => "Room not found"u8,
        ErrorCode.InvalidHostKey => "Invalid host key"u8,
        ErrorCode.InvalidPassword => "Invalid password"u8,
        ErrorCode.RoomFull => "Room is full"u8,
        ErrorCode.SeatNotFound => "No seat is held for this clientId"u8,
        ErrorCode.InvalidSeatToken => "Invalid seat token"u8,
        ErrorCode.AlreadyJoined => "This connection has already joined a room"u8,
        ErrorCode.NotJoined => "Send a handshake first"u8,
        ErrorCode.Forbidden => "Your role may not send this command"u8,
        ErrorCode.InvalidPayload => "Invalid payload"u8,
        ErrorCode.PayloadTooLarge => "A field is over its size limit"u8,
        ErrorCode.RateLimited => "Too many messages; retry later"u8,
        ErrorCode.PlayerNotFound => "No seat with this clientId"u8,
        ErrorCode.PollExists => "A poll with this pollId exists"u8,
        ErrorCode.PollNotFound => "Poll not found"u8,
        ErrorCode.PollNotActive => "Poll is not active"u8,
        ErrorCode.InvalidResponse => "Invalid poll response"u8,
        ErrorCode.QueueFull => "The host's message queue is full"u8,
        ErrorCode.UnknownCommand => "Unknown command"u8,
        ErrorCode.Unavailable => "The relay's store is unavailable; retry later"u8,
        ErrorCode.SeatTakenOver => "Your seat was taken over by a newer connection"u8,
        ErrorCode.HostReplaced => "Another host connection replaced this one"u8,
        ErrorCode.Kicked => "Removed from the room by an operator"u8,
        ErrorCode.InvalidToken => "The sign-in token is invalid, expired or not for this room and role"u8,
        _ => "Internal error"u8,
    };
}
