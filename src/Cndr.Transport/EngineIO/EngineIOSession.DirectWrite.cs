using System.Buffers;
using System.IO.Pipelines;
using Cndr.Transport.Internal;
using Cndr.Transport.Sockets;

namespace Cndr.Transport.EngineIO;

public sealed partial class EngineIOSession
{
    /// <summary>Frames of one pump pass gathered for one send (per thread, allocated once).</summary>
    [ThreadStatic]
    private static byte[]? t_gather;

    private const int GatherBytes = 64 * 1024;

    /// <summary>
    /// Writes everything queued (under <c>_lock</c>, by the pump). When the connection has a direct sender and its
    /// send pipe is idle, the queued frames go out with one non-blocking send: on the ring of the write batch this
    /// thread is flushing, if any (<see cref="WriteOutcome.OnRing"/>: the ring's report continues), else with a
    /// <c>send()</c> from this thread — a single frame straight from the shared encoded message, several gathered first
    /// (one send for all frames due to this connection: the batch is corked); what the kernel does not take, and
    /// anything after it, goes into the pipe. Otherwise everything goes into the pipe (<see cref="WriteOutcome.Flush"/>).
    /// Throws when the socket failed (the pump then finishes the writer).
    /// </summary>
    private WriteOutcome WriteQueueLocked(WebSocketChannel ws, PipeWriter output, ref long written)
    {
        // Not while the output holds bytes of its own (a WebSocket's 101 response waits there for the open packet).
        if (ws.Connection.DirectSender is { } direct && direct.PipeIdle && output.UnflushedBytes == 0)
        {
            if (WriteBatch.Ring is { } ring && GatherToRingLocked(ring, direct, ref written))
            {
                return WriteOutcome.OnRing;
            }

            var rest = _queue.Count == 1 ? SendSingleDirectLocked(direct, ref written) : SendGatheredDirectLocked(direct, ref written);
            if (rest.IsEmpty && _queue.Count == 0)
            {
                return WriteOutcome.Sent;
            }

            output.Write(rest);
        }

        while (_queue.TryDequeue(out var e))
        {
            written += WriteEntryToWebSocket(output, e);
            e.Message?.Release();
        }

        return WriteOutcome.Flush;
    }

    /// <summary>
    /// The batch's ring has room: the queued frames are copied into it (while they fit) as one send that the batch's end
    /// submits with the other connections' (<see cref="SendRing"/>); the pump waits for its outcome
    /// (<see cref="IRingSendOwner.OnRingSendCompleted"/>). False when nothing was gathered (no room, or a frame with attachments first).
    /// </summary>
    private bool GatherToRingLocked(SendRing ring, SocketPipe direct, ref long written)
    {
        var buffer = ring.Free;
        var length = GatherLocked(buffer);
        if (length == 0)
        {
            return false;
        }

        written += length;
        if (!ring.TryAdd(direct, length, this))
        {
            throw new IOException("socket send failed"); // disposed meanwhile
        }

        return true;
    }

    /// <summary>What the ring reports for this session's send: the pump goes on, or queues what the kernel did not take.</summary>
    void IRingSendOwner.OnRingSendCompleted(int sent, ReadOnlySpan<byte> data)
    {
        var ws = _ws!;
        if (sent == data.Length)
        {
            Pump();
            return;
        }

        var finish = sent < 0;
        if (!finish)
        {
            lock (_lock)
            {
                try
                {
                    // Ahead of anything queued since: the pump drains the queue behind it.
                    finish = _wsDetached;
                    if (!finish)
                    {
                        ws.Output.Write(data[sent..]);
                    }
                }
                catch (Exception)
                {
                    ReleaseQueueLocked();
                    finish = true;
                }
            }
        }

        if (finish)
        {
            FinishWriter(ws);
            return;
        }

        if (FlushOutput(ws))
        {
            Pump();
        }
    }

    private enum WriteOutcome
    {
        /// <summary>Everything went with a direct send: nothing in the pipe.</summary>
        Sent,

        /// <summary>Bytes were written into the pipe: it needs a flush.</summary>
        Flush,

        /// <summary>Everything is on the batch's ring: the pump resumes when the ring reports the outcome.</summary>
        OnRing,
    }

    /// <summary>One queued entry: sent from its own bytes; returns the part the kernel did not take.</summary>
    private ReadOnlySpan<byte> SendSingleDirectLocked(SocketPipe direct, ref long written)
    {
        var e = _queue.Peek();
        if (e.Message is { } m && m.Attachments.Count != 0)
        {
            return default;
        }

        _queue.Dequeue();
        var frame = e.Frame is { } f ? f : e.Message!.WebSocketFrame.Span;
        var sent = direct.Send(frame);
        written += frame.Length;
        if (sent == frame.Length)
        {
            e.Message?.Release();
            return default;
        }

        if (sent < 0)
        {
            e.Message?.Release();
            throw new IOException("socket send failed");
        }

        // The remainder is copied first: the message may return to the pool once released.
        var rest = CopyToGather(frame[sent..]);
        e.Message?.Release();
        return rest;
    }

    /// <summary>Several entries: gathered (while they fit) and sent at once; returns what the kernel did not take.</summary>
    private ReadOnlySpan<byte> SendGatheredDirectLocked(SocketPipe direct, ref long written)
    {
        var buffer = t_gather ??= GC.AllocateUninitializedArray<byte>(GatherBytes);
        var length = GatherLocked(buffer);
        if (length == 0)
        {
            return default;
        }

        written += length;
        var sent = direct.Send(buffer.AsSpan(0, length));
        if (sent < 0)
        {
            throw new IOException("socket send failed");
        }

        return buffer.AsSpan(sent, length - sent);
    }

    /// <summary>Moves queued frames (up to one with attachments) into <paramref name="buffer"/> while they fit; returns the bytes copied.</summary>
    private int GatherLocked(Span<byte> buffer)
    {
        var length = 0;
        while (_queue.TryPeek(out var e))
        {
            ReadOnlySpan<byte> frame;
            if (e.Frame is { } f)
            {
                frame = f;
            }
            else if (e.Message!.Attachments.Count == 0)
            {
                frame = e.Message.WebSocketFrame.Span;
            }
            else
            {
                break;
            }

            if (frame.Length > buffer.Length - length)
            {
                break;
            }

            frame.CopyTo(buffer[length..]);
            length += frame.Length;
            _queue.Dequeue();
            e.Message?.Release();
        }

        return length;
    }

    private static ReadOnlySpan<byte> CopyToGather(ReadOnlySpan<byte> rest)
    {
        var buffer = t_gather ??= GC.AllocateUninitializedArray<byte>(GatherBytes);
        if (rest.Length > buffer.Length)
        {
            return rest.ToArray(); // a frame over 64 KiB the kernel took only part of (rare)
        }

        rest.CopyTo(buffer);
        return buffer.AsSpan(0, rest.Length);
    }
}
