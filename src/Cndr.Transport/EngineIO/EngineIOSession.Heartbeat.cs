using Cndr.Transport.Internal;
using Cndr.Transport.SocketIO;

namespace Cndr.Transport.EngineIO;

public sealed partial class EngineIOSession
{
    private const long KindPing = 1;
    private const long KindPongTimeout = 2;
    private const long KindCloseTimeout = 3;

    // Bumped on every pong and on close: timer entries carrying an older generation are stale.
    private long _timerGeneration;

    // When waiting for a pong: the deadline (ms); 0 when no ping is outstanding.
    private long _pongDeadline;

    // When no ping is outstanding: when the next one is due (ms).
    private long _nextPingAt;

    internal void StartHeartbeat()
    {
        long gen;
        long due;
        lock (_lock)
        {
            gen = _timerGeneration;
            due = _nextPingAt = MonotonicClock.NowMs + _server.Options.PingInterval;
        }

        SharedTimer.Instance.Schedule(this, (gen << 3) | KindPing, due);
    }

    /// <summary>
    /// True when the client can no longer answer in time. Checked lazily on every request so that a late timer
    /// never lets a dead session answer (Engine.IO: the timeout counts from when the ping was queued).
    /// </summary>
    internal bool IsExpired(long now)
    {
        lock (_lock)
        {
            if (_state >= EngineIOSessionState.Closing)
            {
                return false;
            }

            return _pongDeadline != 0
                ? now >= _pongDeadline
                : now >= _nextPingAt + _server.Options.PingTimeout;
        }
    }

    private void OnPong()
    {
        long gen;
        long due;
        lock (_lock)
        {
            if (_state >= EngineIOSessionState.Closing || _pongDeadline == 0)
            {
                return;
            }

            _pongDeadline = 0;
            gen = ++_timerGeneration;
            due = _nextPingAt = MonotonicClock.NowMs + _server.Options.PingInterval;
        }

        SharedTimer.Instance.Schedule(this, (gen << 3) | KindPing, due);
    }

    void ITimerTarget.OnTimer(long token, long dueMs)
    {
        var kind = token & 7;
        var gen = token >> 3;
        if (kind == KindCloseTimeout)
        {
            lock (_lock)
            {
                if (_state != EngineIOSessionState.Closing || gen != _timerGeneration)
                {
                    return;
                }
            }

            // A close that has not finished in time (a peer that never reads, or never polls again): cut it.
            ThreadPool.UnsafeQueueUserWorkItem(static s => s.Close(DisconnectReason.TransportError, CloseKind.Abort), this, preferLocal: false);
            return;
        }

        lock (_lock)
        {
            if (_state >= EngineIOSessionState.Closing || gen != _timerGeneration)
            {
                return;
            }

            if (kind == KindPing)
            {
                // The deadline counts from when the ping was due, not from when it reached the client.
                _pongDeadline = dueMs + _server.Options.PingTimeout;
            }
        }

        if (kind == KindPing)
        {
            SendControl(EngineIOLiterals.PingFrame);
            SharedTimer.Instance.Schedule(this, (gen << 3) | KindPongTimeout, dueMs + _server.Options.PingTimeout);
        }
        else
        {
            // Closing runs application callbacks: not on the timer thread.
            ThreadPool.UnsafeQueueUserWorkItem(static s => s.Close(DisconnectReason.PingTimeout, CloseKind.Error), this, preferLocal: false);
        }
    }
}
