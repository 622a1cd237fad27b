using System.Buffers;
using System.Net.Sockets;

namespace Cndr.Core.Store.Redis;

/// <summary>
/// The receive buffer of a RESP2 connection's reader thread (<see cref="RedisFastConnection"/>, <see cref="RedisFastSubscriber"/>):
/// replies are taken out of it in place, as complete ones (<see cref="RespReplyParser.TryScan"/>); a reply larger than the
/// buffer grows it, and a grown buffer is let go once emptied. One instance per reader thread, reused across connections.
/// </summary>
internal sealed class RespReceiveBuffer(int size)
{
    private byte[] _buffer = new byte[size];
    private int _start;
    private int _end;
    private bool _mayHaveMore;

    /// <summary>Forgets what is buffered (a new connection).</summary>
    public void Clear()
    {
        _start = _end = 0;
        _mayHaveMore = false;
    }

    /// <summary>Whether the last receive filled the buffer (more may be waiting in the socket: a burst).</summary>
    public bool MayHaveMore => _mayHaveMore;

    /// <summary>
    /// The next complete reply (valid until the next <see cref="Fill"/>), <see cref="OperationStatus.NeedMoreData"/> when
    /// what is buffered ends inside one, or <see cref="OperationStatus.InvalidData"/> (not RESP2: drop the connection).
    /// </summary>
    public OperationStatus TryTake(out ReadOnlyMemory<byte> reply)
    {
        reply = default;
        if (_start == _end)
        {
            return OperationStatus.NeedMoreData;
        }

        var status = RespReplyParser.TryScan(_buffer.AsSpan(_start, _end - _start), out var length);
        if (status == OperationStatus.Done)
        {
            reply = _buffer.AsMemory(_start, length);
            _start += length;
        }

        return status;
    }

    /// <summary>Whether at least <paramref name="count"/> more whole replies are already buffered.</summary>
    public bool HasWholeReplies(int count)
    {
        var buffered = _buffer.AsSpan(_start, _end - _start);
        for (var i = 0; i < count; i++)
        {
            if (buffered.IsEmpty || RespReplyParser.TryScan(buffered, out var length) != OperationStatus.Done)
            {
                return false;
            }

            buffered = buffered[length..];
        }

        return true;
    }

    /// <summary>
    /// Receives more after the taken replies: waits until the socket is readable (unless the last receive filled the buffer,
    /// so more may be waiting), asking <paramref name="givesUp"/> every 100 ms whether to stop waiting, then one
    /// <see cref="Receive"/>. False when the connection must end: it gave up (<paramref name="error"/> is Success), or the
    /// socket failed or ended.
    /// </summary>
    public bool Fill(Socket socket, Func<bool> givesUp, out SocketError error)
    {
        error = SocketError.Success;
        if (!_mayHaveMore)
        {
            // A short receive before means the socket was drained: wait, rather than try a receive in vain first.
            while (!Poll(socket))
            {
                if (givesUp())
                {
                    return false;
                }
            }
        }

        return Receive(socket, out error, out _, out _);
    }

    /// <summary>
    /// One non-blocking receive after the taken replies. False when the connection must end (the socket failed or ended);
    /// <paramref name="drained"/> when it found nothing or came back short (nothing more was waiting: an edge-triggered
    /// watcher waits for its next event), <paramref name="received"/> the bytes it took. Makes room first: an emptied grown
    /// buffer goes back to its first size; a partial reply moves to the front, and the buffer doubles when that reply fills
    /// it whole.
    /// </summary>
    public bool Receive(Socket socket, out SocketError error, out bool drained, out int received)
    {
        received = 0;
        if (_start == _end)
        {
            _start = _end = 0;
            if (_buffer.Length > size)
            {
                _buffer = new byte[size];
            }
        }
        else if (_end == _buffer.Length)
        {
            if (_start == 0)
            {
                Array.Resize(ref _buffer, _buffer.Length * 2);
            }
            else
            {
                _buffer.AsSpan(_start, _end - _start).CopyTo(_buffer);
                _end -= _start;
                _start = 0;
            }
        }

        var space = _buffer.Length - _end;
        var n = socket.Receive(_buffer, _end, space, SocketFlags.None, out error);
        _mayHaveMore = error == SocketError.Success && n == space;
        drained = !_mayHaveMore;
        if (error == SocketError.WouldBlock)
        {
            error = SocketError.Success;
            return true;
        }

        if (error != SocketError.Success || n == 0)
        {
            error = error == SocketError.Success ? SocketError.Disconnecting : error;
            return false;
        }

        _end += n;
        received = n;
        return true;
    }

    private static bool Poll(Socket socket)
    {
        try
        {
            return socket.Poll(RedisFastConnection.PollMicroseconds, SelectMode.SelectRead);
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
            return true; // the next receive reports it
        }
    }
}
