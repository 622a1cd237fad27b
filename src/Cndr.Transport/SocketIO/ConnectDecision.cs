namespace Cndr.Transport.SocketIO;

/// <summary>The handler's answer to a namespace CONNECT.</summary>
public readonly struct ConnectDecision
{
    private ConnectDecision(bool accepted, ReadOnlyMemory<byte> error)
    {
        Accepted = accepted;
        ErrorJson = error;
    }

    /// <summary>Accept: the transport answers with CONNECT <c>{"sid":...}</c>.</summary>
    public static ConnectDecision Accept => new(true, default);

    public bool Accepted { get; }

    /// <summary>The whole CONNECT_ERROR payload, e.g. <c>{"message":"Room not found","data":{"code":"ROOM_NOT_FOUND"}}</c>.</summary>
    public ReadOnlyMemory<byte> ErrorJson { get; }

    /// <summary>Refuse with CONNECT_ERROR carrying <paramref name="errorJson"/> (a JSON object with at least <c>message</c>).</summary>
    public static ConnectDecision Refuse(ReadOnlyMemory<byte> errorJson) => new(false, errorJson);
}
