using System.Buffers;
using Cndr.Transport.Http;
using Cndr.Transport.SocketIO;

namespace Cndr.Transport.EngineIO;

public sealed partial class EngineIOSession
{
    private enum GetAction
    {
        Drain,
        Wait,
        Noop,
        BadRequest,
        Duplicate,
    }

    /// <summary>True while a long-polling GET waits for packets.</summary>
    internal bool HasPendingGet
    {
        get
        {
            lock (_lock)
            {
                return _getPending;
            }
        }
    }

    /// <summary>A long-polling GET: answers with every queued packet, or waits until there is one.</summary>
    internal async ValueTask HandleGetAsync(HttpContext context)
    {
        GetAction action;
        lock (_lock)
        {
            if (_ws is not null || _state == EngineIOSessionState.Closed)
            {
                action = GetAction.BadRequest;
            }
            else if (_getPending)
            {
                action = GetAction.Duplicate;
            }
            else if (_queue.Count > 0)
            {
                action = GetAction.Drain;
            }
            else if (_state == EngineIOSessionState.Upgrading)
            {
                // The client is pausing polling for the upgrade: let this poll complete at once.
                action = GetAction.Noop;
            }
            else
            {
                _waiter ??= new PollWaiter();
                _waiter.Reset();
                _getPending = true;
                _getSignaled = false;
                action = GetAction.Wait;
            }
        }

        switch (action)
        {
            case GetAction.BadRequest:
                await context.Response.SendAsync(400, HttpLiterals.ApplicationJson, EngineIOLiterals.BadRequestSid).ConfigureAwait(false);
                return;
            case GetAction.Duplicate:
                // Engine.IO: overlapping polls are a client error; the pending one gets the close packet.
                Close(DisconnectReason.TransportError, CloseKind.Error);
                await context.Response.SendAsync(400, HttpLiterals.ApplicationJson, EngineIOLiterals.BadRequest).ConfigureAwait(false);
                return;
            case GetAction.Noop:
                await WriteSingleAsync(context, EngineIOLiterals.NoopFrame).ConfigureAwait(false);
                return;
            case GetAction.Wait:
                await _waiter!.WaitAsync().ConfigureAwait(false);
                break;
        }

        await RespondWithQueueAsync(context).ConfigureAwait(false);
    }

    private ValueTask WriteSingleAsync(HttpContext context, byte[] frame)
    {
        Interlocked.Add(ref _server.Counters._bytesOut, frame.Length - 2);
        return context.Response.SendAsync(200, HttpLiterals.TextPlain, frame.AsSpan(2));
    }

    private async ValueTask RespondWithQueueAsync(HttpContext context)
    {
        OutEntry[]? entries = null;
        var count = 0;
        byte[]? single = null;
        WebSocketChannel? abortProbe = null;
        lock (_lock)
        {
            _getPending = false;
            if (_ws is not null)
            {
                // The upgrade completed while this poll waited: everything goes out on the WebSocket.
                single = EngineIOLiterals.NoopFrame;
            }
            else if (_state == EngineIOSessionState.Closed)
            {
                single = _closeReply ?? EngineIOLiterals.CloseFrame;
            }
            else if (_queue.Count == 0)
            {
                single = EngineIOLiterals.NoopFrame;
            }
            else
            {
                entries = ArrayPool<OutEntry>.Shared.Rent(_queue.Count);
                while (_queue.TryPeek(out var e))
                {
                    // Like the reference server, the close packet goes out only once everything queued before it
                    // has been delivered: clients handle Socket.IO packets a tick later than the Engine.IO close.
                    if (count > 0 && e.Route == OutRoute.PollingOnly)
                    {
                        break;
                    }

                    _queue.Dequeue();
                    _queuedBytes -= e.Bytes;
                    if (e.Route != OutRoute.WebSocketOnly)
                    {
                        entries[count++] = e;
                    }
                }

                if (_state == EngineIOSessionState.Closing && _queue.Count == 0)
                {
                    abortProbe = FinishClosingLocked();
                }
            }
        }

        abortProbe?.Connection.Abort();
        if (single is not null)
        {
            await WriteSingleAsync(context, single).ConfigureAwait(false);
            return;
        }

        try
        {
            long length = count - 1;
            for (var i = 0; i < count; i++)
            {
                length += PollingLength(entries![i]);
            }

            // Base64 lengths above are exact (GetMaxEncodedToUtf8Length pads to 4), so Content-Length is exact.
            var output = context.Response.Writer;
            context.Response.WriteHead(200, HttpLiterals.TextPlain, length);
            for (var i = 0; i < count; i++)
            {
                if (i > 0)
                {
                    EngineIOPayloadWriter.WriteSeparator(output);
                }

                WritePollingRecord(output, entries![i]);
            }

            Interlocked.Add(ref _server.Counters._bytesOut, length);
        }
        finally
        {
            for (var i = 0; i < count; i++)
            {
                entries![i].Message?.Release();
                entries[i] = default;
            }

            if (entries is not null)
            {
                ArrayPool<OutEntry>.Shared.Return(entries);
            }
        }

        await context.Response.FlushAsync().ConfigureAwait(false);
    }

    /// <summary>A long-polling POST: one or more packets separated by 0x1E; answers <c>ok</c>.</summary>
    internal async ValueTask HandlePostAsync(HttpContext context)
    {
        bool overlap;
        lock (_lock)
        {
            if (_state >= EngineIOSessionState.Closing || _ws is not null)
            {
                overlap = false;
                goto badRequest;
            }

            overlap = _postActive;
            if (!overlap)
            {
                _postActive = true;
                goto accepted;
            }
        }

    badRequest:
        if (overlap)
        {
            Close(DisconnectReason.TransportError, CloseKind.Error);
        }

        await context.Response.SendAsync(400, HttpLiterals.ApplicationJson, EngineIOLiterals.BadRequest).ConfigureAwait(false);
        return;

    accepted:
        var ok = true;
        try
        {
            var body = new ReadOnlySequence<byte>(context.Request.BodyMemory);
            Interlocked.Add(ref _server.Counters._bytesIn, body.Length);
            var payload = new EngineIOPayloadReader();
            while (ok && !IsClosed)
            {
                var status = payload.TryRead(body, isFinalBlock: true, out var packet, out var consumed);
                if (status == EngineIOPayloadStatus.End)
                {
                    break;
                }

                body = body.Slice(consumed);
                ok = status == EngineIOPayloadStatus.Packet && await OnPacketAsync(packet).ConfigureAwait(false);
            }
        }
        finally
        {
            lock (_lock)
            {
                _postActive = false;
            }
        }

        if (!ok)
        {
            Close(DisconnectReason.ParseError, CloseKind.Error);
            await context.Response.SendAsync(400, HttpLiterals.ApplicationJson, EngineIOLiterals.BadRequest).ConfigureAwait(false);
            return;
        }

        await context.Response.SendAsync(200, HttpLiterals.TextHtml, EngineIOLiterals.Ok).ConfigureAwait(false);
    }
}
