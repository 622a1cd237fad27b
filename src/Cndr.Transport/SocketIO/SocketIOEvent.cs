namespace Cndr.Transport.SocketIO;

/// <summary>
/// An inbound Socket.IO EVENT. All memory is a view of the receive buffer: valid only during the
/// handler call that received it.
/// </summary>
public readonly struct SocketIOEvent
{
    public SocketIOEvent(ReadOnlyMemory<byte> name, ReadOnlyMemory<byte> data, ReadOnlyMemory<byte> args, long ackId, IReadOnlyList<ReadOnlyMemory<byte>>? attachments)
    {
        Name = name;
        Data = data;
        Args = args;
        AckId = ackId;
        Attachments = attachments ?? [];
    }

    /// <summary>The event name as UTF-8 (JSON escapes already decoded).</summary>
    public ReadOnlyMemory<byte> Name { get; }

    /// <summary>The whole JSON array exactly as received: <c>["name",arg1,arg2]</c>.</summary>
    public ReadOnlyMemory<byte> Data { get; }

    /// <summary>
    /// The raw arguments after the name as they appear inside the array, comma-separated and without
    /// the brackets (<c>arg1,arg2</c>); empty when the event has no arguments.
    /// <c>[</c> + Args + <c>]</c> is the JSON array of the arguments.
    /// </summary>
    public ReadOnlyMemory<byte> Args { get; }

    /// <summary>The ack id the client asked for, or -1 when it did not.</summary>
    public long AckId { get; }

    /// <summary>True when the client expects an ACK.</summary>
    public bool WantsAck => AckId >= 0;

    /// <summary>Binary attachments, in order (placeholders in <see cref="Data"/> refer to them by index).</summary>
    public IReadOnlyList<ReadOnlyMemory<byte>> Attachments { get; }
}
