namespace Cndr.Transport.Sockets;

/// <summary>A connection that queued a send on a <see cref="SendRing"/>: it learns the outcome when the ring completes.</summary>
internal interface IRingSendOwner
{
    /// <summary>
    /// The send of <paramref name="data"/> completed: <paramref name="sent"/> bytes went (0 when the socket would have
    /// blocked), or -1 when the socket failed. <paramref name="data"/> is valid only during the call.
    /// </summary>
    void OnRingSendCompleted(int sent, ReadOnlySpan<byte> data);
}
