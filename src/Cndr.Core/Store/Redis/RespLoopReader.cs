using System.Net.Sockets;
using System.Runtime.ExceptionServices;
using StackExchange.Redis;
using Cndr.Transport.Sockets;

namespace Cndr.Core.Store.Redis;

/// <summary>
/// Reads one connected RESP socket (<see cref="RedisFastConnection"/>, <see cref="RedisFastSubscriber"/>) on one of the
/// transport's epoll loops instead of the connection's own thread: the replies (and the deliveries after them) are worked
/// off in the loop's wake-up, beside the client sockets that became readable with them, and no thread sleeps and wakes for
/// each reply — on a virtual machine a context switch costs more than a reply's parse. The connection's own thread stays
/// for what is slow or rare: connecting, noticing a call that is late (<see cref="WaitForEnd"/>), reconnecting.
/// Off with <see cref="RedisStoreOptions.ReadOnLoop"/> false, or CNDR_REDIS_READS=thread (the connection's thread polls and
/// receives; for A/B runs).
/// </summary>
internal sealed class RespLoopReader
{
    private readonly Socket _socket;
    private readonly RespReceiveBuffer _buffer;
    private readonly Func<RespReceiveBuffer, Exception?> _take;
    private readonly string _ended;
    private readonly ManualResetEventSlim _done = new(false);
    private readonly object _gate = new();
    private ReadinessWatch? _watch;
    private Exception? _error;
    private bool _threw;
    private bool _stopped;

    private RespLoopReader(Socket socket, RespReceiveBuffer buffer, Func<RespReceiveBuffer, Exception?> take, string ended)
    {
        _socket = socket;
        _buffer = buffer;
        _take = take;
        _ended = ended;
    }

    /// <summary>
    /// Starts reading <paramref name="socket"/> (call before anything is sent on it: the watch is edge-triggered). Each
    /// receive is followed by <paramref name="take"/>, which works off the whole replies buffered and returns why the
    /// connection must end, if it must. Null where no loop runs: the caller reads on its own thread.
    /// </summary>
    public static RespLoopReader? TryStart(Socket socket, RespReceiveBuffer buffer, Func<RespReceiveBuffer, Exception?> take, string ended)
    {
        buffer.Clear();
        var reader = new RespLoopReader(socket, buffer, take, ended);
        reader._watch = ReadinessWatch.TryStart(socket.SafeHandle, reader.OnReady);
        return reader._watch is null ? null : reader;
    }

    /// <summary>The name of the loop thread the replies are read on.</summary>
    public string ThreadName => _watch?.ThreadName ?? "";

    /// <summary>
    /// On the connection's thread: waits until the reads end (the socket ended or failed, or <c>take</c> refused a reply) or
    /// <paramref name="givesUp"/> (asked every 100 ms) says to stop. Afterwards no read runs any more and the socket may be
    /// closed. Returns why the reads ended, or null when the caller gave up; rethrows what a read threw (a bug, not a
    /// connection's end: the caller logs it as its reader's failure, as when it reads itself).
    /// </summary>
    public Exception? WaitForEnd(Func<bool> givesUp)
    {
        while (!_done.Wait(RedisFastConnection.PollMicroseconds / 1000))
        {
            if (givesUp())
            {
                break;
            }
        }

        _watch?.Dispose();
        lock (_gate)
        {
            _stopped = true; // a read under way finishes first (the gate); none starts after this
            if (_threw)
            {
                ExceptionDispatchInfo.Throw(_error!);
            }

            return _error;
        }
    }

    // On the loop's thread (one at a time for a watch); inside the loop's write batch.
    private void OnReady(bool closing)
    {
        lock (_gate)
        {
            if (_stopped)
            {
                return;
            }

            Exception? error;
            try
            {
                error = ReadAvailable(closing);
            }
            catch (Exception ex)
            {
                // A continuation that ran here and threw (async methods never do): the connection ends, and the reason
                // is rethrown on its own thread.
                error = ex;
                _threw = true;
            }

            if (error is not null)
            {
                _stopped = true;
                _error = error;
                _done.Set();
            }
        }
    }

    // Receives until the socket is drained (a short or empty receive), working off the whole replies after each receive. When
    // the peer closed (closing), on to the end: a short receive then leaves the end unread, and no further event would come.
    private Exception? ReadAvailable(bool closing)
    {
        while (true)
        {
            if (!_buffer.Receive(_socket, out var error, out var drained, out var received))
            {
                return new RedisConnectionException(ConnectionFailureType.SocketClosed, CommandFlags.None, $"{_ended} ({error}).", null, CommandStatus.Unknown);
            }

            if (_take(_buffer) is { } failure)
            {
                return failure;
            }

            if (drained && !(closing && received > 0))
            {
                return null;
            }
        }
    }
}
