using System.IO.Pipelines;
using Cndr.Transport.SocketIO;

namespace Cndr.Transport.EngineIO;

public sealed partial class EngineIOSession
{
    /// <summary>Makes <paramref name="channel"/> the transport of a new WebSocket session.</summary>
    internal void AttachWebSocket(WebSocketChannel channel)
    {
        lock (_lock)
        {
            _isWebSocket = true;
            _ws = channel;
            channel.Owner = this;
        }
    }

    /// <summary>True when a WebSocket may start the upgrade probe for this session.</summary>
    internal bool CanUpgrade
    {
        get
        {
            lock (_lock)
            {
                return !_closed && !_isWebSocket && _probe is null;
            }
        }
    }

    internal bool BeginUpgrade(WebSocketChannel channel)
    {
        lock (_lock)
        {
            if (_closed || _isWebSocket || _probe is not null)
            {
                return false;
            }

            _probe = channel;
            return true;
        }
    }

    /// <summary><c>2probe</c> arrived on the probe: a pending GET is released with a noop (Engine.IO v4 §5).</summary>
    internal void OnProbe()
    {
        bool signal = false;
        lock (_lock)
        {
            _upgrading = true;
            if (_getPending && !_getSignaled)
            {
                _getSignaled = true;
                signal = true;
            }
        }

        if (signal)
        {
            _waiter!.Signal();
        }
    }

    internal void AbortUpgrade(WebSocketChannel channel)
    {
        lock (_lock)
        {
            if (_probe == channel)
            {
                _probe = null;
                _upgrading = false;
            }
        }
    }

    /// <summary><c>5</c> arrived on the probe: the session moves to the WebSocket; later GETs get 400.</summary>
    internal bool CompleteUpgrade(WebSocketChannel channel)
    {
        bool pump = false;
        bool signal = false;
        lock (_lock)
        {
            if (_closed || _isWebSocket || _probe != channel)
            {
                return false;
            }

            _probe = null;
            _upgrading = false;
            _isWebSocket = true;
            _ws = channel;
            channel.Owner = this;
            if (_getPending && !_getSignaled)
            {
                _getSignaled = true;
                signal = true;
            }

            if (_queue.Count > 0 && !_pumping)
            {
                _pumping = true;
                pump = true;
            }
        }

        Interlocked.Decrement(ref _server.Counters._pollingSessions);
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
            var needFlush = true;
            var written = 0L;
            lock (_lock)
            {
                if (_wsDetached)
                {
                    finish = true;
                }
                else if (_queue.Count == 0)
                {
                    if (_closeAfterDrain)
                    {
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
                        needFlush = WriteQueueLocked(ws, output, ref written);
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
            if (!needFlush)
            {
                continue; // sent directly: nothing in the pipe
            }

            ValueTask<FlushResult> flush;
            try
            {
                flush = output.FlushAsync();
            }
            catch (Exception)
            {
                FinishWriter(ws);
                return;
            }

            if (!flush.IsCompletedSuccessfully)
            {
                _ = PumpAwaitedAsync(flush, ws);
                return;
            }

            var result = flush.Result;
            if (result.IsCanceled || result.IsCompleted)
            {
                FinishWriter(ws);
                return;
            }
        }
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
        lock (_lock)
        {
            _writerCompleted = true;
            _pumping = true;
            detached = _detached;
            ReleaseQueueLocked();
        }

        // Wake the read loop so the connection ends.
        ws.Connection.CancelPendingReadDeferred();
        detached?.TrySetResult();
        if (!IsClosed)
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
