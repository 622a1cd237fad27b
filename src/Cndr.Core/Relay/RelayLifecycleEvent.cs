namespace Cndr.Core.Relay;

/// <summary>
/// One room lifecycle event for <see cref="IRelayEventSink"/>: <paramref name="Type"/> is a wire name such as
/// <c>client_joined</c>; the optional fields are set where the event has them.
/// </summary>
public sealed record RelayLifecycleEvent(string Type, string RoomCode, long AtMs)
{
    public string? ClientId { get; init; }

    /// <summary><c>host</c>, <c>player</c> or <c>audience</c>.</summary>
    public string? Role { get; init; }

    /// <summary>
    /// Why: <c>left</c>, <c>disconnected</c>, <c>kicked</c>, <c>node_lost</c> (client_left, client_disconnected,
    /// host_disconnected), <c>closed_by_host</c>, <c>closed_by_admin</c>, <c>inactive</c>, <c>lost</c> (room_closed).
    /// </summary>
    public string? Reason { get; init; }

    public string? PollId { get; init; }

    /// <summary>For <c>poll_ended</c>: the poll's tally as <c>poll_results</c> carries it (UTF-8 JSON), when it could be read.</summary>
    public ReadOnlyMemory<byte> Results { get; init; }
}
