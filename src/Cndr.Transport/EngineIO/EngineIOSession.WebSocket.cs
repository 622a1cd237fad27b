using System.IO.Pipelines;
using Cndr.Transport.Internal;
using Cndr.Transport.SocketIO;
using Cndr.Transport.WebSockets;

namespace Cndr.Transport.EngineIO;

public sealed partial class EngineIOSession
{
    /// <summary>Makes <paramref name="channel"/> the transport of a new WebSocket session (still Opening).</summary>
    internal void AttachWebSocket(WebSocketChannel channel)
    {
        lock (_lock)
        {
            _ws = channel;
            channel.Owner = this;
        }
    }

    /// <summary>A WebSocket asks to upgrade this polling session: it becomes the probe (Polling → Probing).</summary>
    internal bool BeginUpgrade(WebSocketChannel channel)
    {
        lock (_lock)
        {
            if (_state != EngineIOSessionState.Polling || _probe is not null)
            {
                return false;
            }

            _probe = channel;
            TransitionLocked(EngineIOSessionState.Probing);
            return true;
        }
    }

    /// <summary>
    /// <c>3probe</c> went out on the probe (Probing → Upgrading): a pending GET is released (with what is queued,
    /// or a noop) so that the client can finish pausing polling (Engine.IO v4 §5). False when the probe is stale.
    /// </summary>
    internal bool OnProbe(WebSocketChannel channel)
    {
        bool signal;
        lock (_lock)
        {
            if (_probe != channel)
            {
                return false;
            }

            if (_state == EngineIOSessionState.Probing)
            {
                TransitionLocked(EngineIOSessionState.Upgrading);
            }

            signal = SignalGetLocked();
        }

        if (signal)
        {
            _waiter!.Signal();
        }

        return true;
    }

    /// <summary>The probe failed or ended before <c>5</c>: back to polling (or, while closing, just forgotten).</summary>
    internal void AbortUpgrade(WebSocketChannel channel)
    {
        lock (_lock)
        {
            if (_probe != channel)
            {
                return;
            }

            _probe = null;
            if (IsPolling(_state))
            {
                TransitionLocked(EngineIOSessionState.Polling);
            }
        }
    }

    /// <summary>
    /// <c>5</c> arrived on the probe: the session moves to the WebSocket and later GETs get 400. A session that is
    /// closing moves too: what it still holds for polling goes out on the WebSocket, followed by a close frame
    /// instead of the polling close packet (the client paused polling for this upgrade and will not poll again).
    /// </summary>
    internal bool CompleteUpgrade(WebSocketChannel channel)
    {
        bool pump = false;
        bool signal;
        long closeDue = 0;
        long gen;
        lock (_lock)
        {
            if (_probe != channel || _ws is not null)
            {
                return false;
            }

            if (_state == EngineIOSessionState.Closing)
            {
                DropPollingOnlyLocked();
                EnqueueWebSocketCloseLocked(WebSocketConstants.CloseNormal);
                closeDue = MonotonicClock.NowMs + _server.Options.CloseTimeout;
                _timerGeneration++;
            }
            else if (IsPolling(_state))
            {
                TransitionLocked(EngineIOSessionState.WebSocket);
            }
            else
            {
                return false;
            }

            _probe = null;
            _ws = channel;
            channel.Owner = this;
            signal = SignalGetLocked();
            if (_queue.Count > 0 && !_pumping)
            {
                _pumping = true;
                pump = true;
            }

            gen = _timerGeneration;
        }

        if (closeDue != 0)
        {
            SharedTimer.Instance.Schedule(this, (gen << 3) | KindCloseTimeout, closeDue);
        }

        if (signal)
        {
            _waiter!.Signal();
        }

        if (pump)
        {
            Pump();
        }

        return true;
    }

    private void DropPollingOnlyLocked()
    {
        for (var n = _queue.Count; n > 0; n--)
        {
            var e = _queue.Dequeue();
            if (e.Route == OutRoute.PollingOnly)
            {
                _queuedBytes -= e.Bytes;
            }
            else
            {
                _queue.Enqueue(e);
            }
        }
    }

    /// <summary>
    /// The single writer: copies queued packets into the WebSocket pipe and flushes once per batch. Runs on the
    /// thread that found the queue idle; continues asynchronously only when the socket pushes back.
    /// </summary>
    private void Pump()
    {
        var ws = _ws!;
        var output = ws.Output;
        while (true)
        {
            var finish = false;
            var outcome = WriteOutcome.Flush;
            var written = 0L;
            lock (_lock)
            {
                if (_wsDetached)
                {
                    finish = true;
                }
                else if (_queue.Count == 0)
                {
                    if (_state >= EngineIOSessionState.Closing)
                    {
                        // The close frame was the last entry and is flushed.
                        finish = true;
                    }
                    else
                    {
                        _pumping = false;
                        return;
                    }
                }
                else
                {
                    try
                    {
                        outcome = WriteQueueLocked(ws, output, ref written);
                    }
                    catch (Exception) when (!_wsDetached)
                    {
                        ReleaseQueueLocked();
                        finish = true;
                    }

                    _queuedBytes = 0;
                }
            }

            if (finish)
            {
                FinishWriter(ws);
                return;
            }

            Interlocked.Add(ref _server.Counters._bytesOut, written);
            if (outcome == WriteOutcome.OnRing)
            {
                return; // still pumping: the ring's report resumes it
            }

            if (outcome == WriteOutcome.Sent)
            {
                continue; // sent directly: nothing in the pipe
            }

            if (!FlushOutput(ws))
            {
                return;
            }
        }
    }

    /// <summary>
    /// Flushes the WebSocket pipe: true when that completed and the pump goes on; false when the writer finished or the
    /// flush waits for the socket (the pump then resumes after it).
    /// </summary>
    private bool FlushOutput(WebSocketChannel ws)
    {
        ValueTask<FlushResult> flush;
        try
        {
            flush = ws.Output.FlushAsync();
        }
        catch (Exception)
        {
            FinishWriter(ws);
            return false;
        }

        if (!flush.IsCompletedSuccessfully)
        {
            _ = PumpAwaitedAsync(flush, ws);
            return false;
        }

        var result = flush.Result;
        if (result.IsCanceled || result.IsCompleted)
        {
            FinishWriter(ws);
            return false;
        }

        return true;
    }

    private async Task PumpAwaitedAsync(ValueTask<FlushResult> flush, WebSocketChannel ws)
    {
        try
        {
            var result = await flush.ConfigureAwait(false);
            if (result.IsCanceled || result.IsCompleted)
            {
                FinishWriter(ws);
                return;
            }
        }
        catch (Exception)
        {
            FinishWriter(ws);
            return;
        }

        Pump();
    }

    /// <summary>Completes the WebSocket output (the pump stays "busy" forever so nothing writes again).</summary>
    private void FinishWriter(WebSocketChannel ws)
    {
        try
        {
            ws.Output.Complete();
        }
        catch (Exception)
        {
            // already completed
        }

        TaskCompletionSource? detached;
        bool failed;
        lock (_lock)
        {
            _writerCompleted = true;
            _pumping = true;
            detached = _detached;
            ReleaseQueueLocked();
            failed = _state < EngineIOSessionState.Closing;
            if (_state == EngineIOSessionState.Closing)
            {
                FinishClosingLocked();
            }
        }

        // Wake the read loop so the connection ends.
        ws.Connection.CancelPendingReadDeferred();
        detached?.TrySetResult();
        if (failed)
        {
            Close(DisconnectReason.TransportError, CloseKind.Abort);
        }
    }

    /// <summary>
    /// The read loop of <paramref name="channel"/> is ending: waits until no pump writes to its pipe any more,
    /// so the listener may complete the connection.
    /// </summary>
    internal Task DetachAsync(WebSocketChannel channel)
    {
        bool finishNow = false;
        Task wait;
        lock (_lock)
        {
            if (_ws != channel || _writerCompleted)
            {
                return Task.CompletedTask;
            }

            _wsDetached = true;
            if (!_pumping)
            {
                _pumping = true;
                finishNow = true;
                wait = Task.CompletedTask;
            }
            else
            {
                _detached ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                wait = _detached.Task;
            }
        }

        if (finishNow)
        {
            FinishWriter(channel);
        }
        else
        {
            // A flush stuck on a peer that stopped reading must not hold the read loop.
            channel.Output.CancelPendingFlush();
        }

        return wait;
    }
}
