using Cndr.Transport.Internal;
using Cndr.Transport.SocketIO;
using Cndr.Transport.WebSockets;

namespace Cndr.Transport.EngineIO;

public sealed partial class EngineIOSession
{
    private static bool IsPolling(EngineIOSessionState s)
        => s is EngineIOSessionState.Polling or EngineIOSessionState.Probing or EngineIOSessionState.Upgrading;

    internal static bool IsAllowed(EngineIOSessionState from, EngineIOSessionState to) => (from, to) switch
    {
        (_, EngineIOSessionState.Closed) => from != EngineIOSessionState.Closed,
        (_, EngineIOSessionState.Closing) => from < EngineIOSessionState.Closing,
        (EngineIOSessionState.Opening, EngineIOSessionState.Polling or EngineIOSessionState.WebSocket) => true,
        (EngineIOSessionState.Polling, EngineIOSessionState.Probing) => true,
        (EngineIOSessionState.Probing, EngineIOSessionState.Upgrading or EngineIOSessionState.Polling or EngineIOSessionState.WebSocket) => true,
        (EngineIOSessionState.Upgrading, EngineIOSessionState.Polling or EngineIOSessionState.WebSocket) => true,
        _ => false,
    };

    /// <summary>
    /// The one place the lifecycle changes (see <see cref="EngineIOSessionState"/>): checks the move, keeps the
    /// polling-session count, stops the heartbeat on Closing, and takes a Closed session out of the table.
    /// </summary>
    private void TransitionLocked(EngineIOSessionState to)
    {
        var from = _state;
        if (!IsAllowed(from, to))
        {
            throw new InvalidOperationException($"Engine.IO session {Id}: {from} → {to} is not a transition");
        }

        _state = to;
        if (IsPolling(from) != IsPolling(to))
        {
            Interlocked.Add(ref _server.Counters._pollingSessions, IsPolling(to) ? 1 : -1);
        }

        if (to >= EngineIOSessionState.Closing && from < EngineIOSessionState.Closing)
        {
            // Stale heartbeat timers see a newer generation and do nothing.
            _timerGeneration++;
            ReleasePendingSlot();
        }

        if (to == EngineIOSessionState.Closed)
        {
            _server.Remove(this);
        }
    }

    /// <summary>
    /// The application accepted this client (for the relay: it joined a room). The session stops counting against
    /// <see cref="EngineIOOptions.MaxPendingSessions"/> and <see cref="EngineIOOptions.MaxPendingSessionsPerAddress"/>.
    /// Idempotent.
    /// </summary>
    public void MarkEstablished() => ReleasePendingSlot();

    private void ReleasePendingSlot()
    {
        if (Interlocked.Exchange(ref _holdsPendingSlot, 0) == 1)
        {
            _server.ReleasePendingSlot(RemoteAddress);
        }
    }

    /// <summary>The open packet is about to be queued: the session is on polling, or on its WebSocket.</summary>
    internal void Open()
    {
        lock (_lock)
        {
            TransitionLocked(_ws is null ? EngineIOSessionState.Polling : EngineIOSessionState.WebSocket);
        }
    }

    /// <summary>
    /// Closes the session. Graceful: everything queued is still delivered, in order, then the close (a close
    /// packet on polling, a close frame on WebSocket); a probe in flight may still complete the upgrade and
    /// carry them. The other kinds drop the queue (see <see cref="CloseKind"/>). The handler hears of it once.
    /// A later <see cref="CloseKind.Abort"/> cuts a session that is still closing.
    /// </summary>
    internal void Close(DisconnectReason reason, CloseKind kind, ushort webSocketCode = WebSocketConstants.CloseNormal)
    {
        var pump = false;
        var signal = false;
        var notify = false;
        long closeDue = 0;
        long gen;
        WebSocketChannel? abortWs = null;
        WebSocketChannel? abortProbe = null;
        lock (_lock)
        {
            if (_state == EngineIOSessionState.Closed || (_state == EngineIOSessionState.Closing && kind != CloseKind.Abort))
            {
                return;
            }

            if (_state == EngineIOSessionState.Closing)
            {
                // Abort of a session still delivering (close timeout, slow consumer, the peer went away).
                ReleaseQueueLocked();
                abortWs = _ws;
                abortProbe = TakeProbeLocked();
                _closeReply ??= EngineIOLiterals.CloseFrame;
                signal = SignalGetLocked();
                TransitionLocked(EngineIOSessionState.Closed);
            }
            else if (_ws is not null)
            {
                notify = true;
                abortProbe = TakeProbeLocked();
                if (kind == CloseKind.Abort)
                {
                    ReleaseQueueLocked();
                    abortWs = _ws;
                    TransitionLocked(EngineIOSessionState.Closed);
                }
                else
                {
                    if (kind == CloseKind.Error)
                    {
                        ReleaseQueueLocked();
                    }

                    TransitionLocked(EngineIOSessionState.Closing);
                    EnqueueWebSocketCloseLocked(webSocketCode);
                    pump = !_pumping;
                    _pumping = true;
                    closeDue = MonotonicClock.NowMs + _server.Options.CloseTimeout;
                }
            }
            else
            {
                notify = true;
                switch (kind)
                {
                    case CloseKind.Graceful:
                        // The pending or next GET carries what is queued, then the close packet; or, when the client
                        // has paused polling for an upgrade, the probe carries them once it sends "5".
                        _queue.Enqueue(new OutEntry(null, EngineIOLiterals.CloseFrame, OutRoute.PollingOnly));
                        TransitionLocked(EngineIOSessionState.Closing);
                        signal = SignalGetLocked();
                        closeDue = MonotonicClock.NowMs + _server.Options.PingTimeout;
                        break;
                    case CloseKind.ClientClose:
                        ReleaseQueueLocked();
                        abortProbe = TakeProbeLocked();
                        _closeReply = EngineIOLiterals.NoopFrame;
                        if (_getPending)
                        {
                            signal = SignalGetLocked();
                            TransitionLocked(EngineIOSessionState.Closed);
                        }
                        else
                        {
                            // The client's close POST may overtake its own pending GET on another connection:
                            // that GET still gets the noop (Engine.IO polling onClose), a later one 400.
                            _queue.Enqueue(new OutEntry(null, EngineIOLiterals.NoopFrame, OutRoute.PollingOnly));
                            TransitionLocked(EngineIOSessionState.Closing);
                            closeDue = MonotonicClock.NowMs + _server.Options.PingTimeout;
                        }

                        break;
                    default:
                        ReleaseQueueLocked();
                        abortProbe = TakeProbeLocked();
                        _closeReply = EngineIOLiterals.CloseFrame;
                        signal = SignalGetLocked();
                        TransitionLocked(EngineIOSessionState.Closed);
                        break;
                }
            }

            gen = _timerGeneration;
        }

        if (closeDue != 0)
        {
            SharedTimer.Instance.Schedule(this, (gen << 3) | KindCloseTimeout, closeDue);
        }

        abortProbe?.Connection.Abort();
        if (pump)
        {
            Pump();
        }

        if (signal)
        {
            _waiter!.Signal();
        }

        abortWs?.Connection.Abort();
        if (notify)
        {
            try
            {
                _server.Handler.OnClose(this, reason);
            }
            catch (Exception ex)
            {
                _server.ReportHandlerFault(ex);
            }
        }
    }

    private WebSocketChannel? TakeProbeLocked()
    {
        var probe = _probe;
        _probe = null;
        return probe;
    }

    private void EnqueueWebSocketCloseLocked(ushort code)
        => _queue.Enqueue(new OutEntry(null, WebSocketFrameWriter.CloseFrame(code), OutRoute.WebSocketOnly));

    /// <summary>A closing session has delivered its last entry (the close packet or frame): it is Closed.</summary>
    private WebSocketChannel? FinishClosingLocked()
    {
        TransitionLocked(EngineIOSessionState.Closed);
        return TakeProbeLocked();
    }
}
