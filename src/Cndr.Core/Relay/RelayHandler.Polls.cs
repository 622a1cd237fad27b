using System.Buffers;
using System.Globalization;
using System.Text;
using Cndr.Core.Protocol;
using Cndr.Core.Store;
using Cndr.Transport.SocketIO;

namespace Cndr.Core.Relay;

public sealed partial class RelayHandler
{
    // ---- #8 poll_start ----

    private async ValueTask PollStartAsync(ClientSession session, SocketIOEvent evt, CommandArg arg)
    {
        long durationMs = 0;
        var poll = arg.Kind == ArgKind.Object ? PollCodec.ParsePollStart(arg.Json.Span, out durationMs) : null;
        if (poll is null)
        {
            RelayJson.Fail(session.Connection, evt.AckId, ErrorCode.InvalidPayload, "poll_start"u8);
            return;
        }

        var now = NowMs;
        poll = poll with { StartedAtMs = now, EndsAtMs = durationMs > 0 ? now + durationMs : 0 };
        var outcome = await _store.StartPollAsync(session.Code, poll, now, session.Connection.Id).ConfigureAwait(false);
        if (outcome == PollStartOutcome.NotHost)
        {
            HostReplaced(session, evt, "poll_start"u8);
            return;
        }

        if (outcome != PollStartOutcome.Started)
        {
            RelayJson.Fail(session.Connection, evt.AckId, outcome == PollStartOutcome.PollExists ? ErrorCode.PollExists : ErrorCode.RoomNotFound, "poll_start"u8);
            return;
        }

        var room = session.Room!;
        lock (room.Gate)
        {
            room.CachePoll(poll);
        }

        _pollTimers.Track(session.Code, poll, now);
        _delivery.Deliver(session.Code, room, PollCodec.PollStarted(poll), RoomRecipients.Audience);
        RelayJson.AckOk(session.Connection, evt.AckId);
    }

    // ---- #9 poll_response ----

    private async ValueTask PollResponseAsync(ClientSession session, SocketIOEvent evt, CommandArg arg)
    {
        var connection = session.Connection;
        if (arg.Kind != ArgKind.Object || !JsonArgs.ScanFields(arg.Json.Span, "pollId"u8, "response"u8, out var idField, out var response) || !response.Found)
        {
            RelayJson.Fail(connection, evt.AckId, ErrorCode.InvalidPayload, "poll_response"u8);
            return;
        }

        var room = session.Room!;
        PollDefinition? poll;
        string? missId = null;
        {
            Span<byte> id = stackalloc byte[Ids.MaxPollIdLength];
            if (!PollCodec.TryReadPollId(arg.Json.Span, idField, id, out var n))
            {
                RelayJson.Fail(connection, evt.AckId, ErrorCode.InvalidPayload, "poll_response"u8);
                return;
            }

            lock (room.Gate)
            {
                poll = room.FindPoll(id[..n]);
            }

            if (poll is null)
            {
                missId = Encoding.ASCII.GetString(id[..n]);
            }
        }

        if (poll is null)
        {
            poll = await _store.GetPollAsync(session.Code, missId!).ConfigureAwait(false);
            if (poll is null)
            {
                RelayJson.Fail(connection, evt.AckId, ErrorCode.PollNotFound, "poll_response"u8);
                return;
            }

            lock (room.Gate)
            {
                room.CachePoll(poll);
            }
        }

        // A timed poll takes no answer after its deadline, even before its timer has ended it in the store.
        if (!poll.Active || (poll.EndsAtMs > 0 && NowMs >= poll.EndsAtMs))
        {
            RelayJson.Fail(connection, evt.AckId, ErrorCode.PollNotActive, "poll_response"u8);
            return;
        }

        var raw = arg.Json.Slice(response.Start, response.Length);
        var buffer = ArrayPool<byte>.Shared.Rent(Math.Max(raw.Length, 32 + (16 * poll.Options.Count)));
        try
        {
            var error = PollCodec.NormalizeResponse(poll, raw.Span, buffer, _options.MaxFreeTextChars, out var length);
            if (error != ErrorCode.None)
            {
                RelayJson.Fail(connection, evt.AckId, error, "poll_response"u8);
                return;
            }

            var outcome = await _store.RecordPollResponseAsync(session.Code, poll.PollId, session.ClientId, buffer.AsMemory(0, length), NowMs).ConfigureAwait(false);
            switch (outcome)
            {
                case PollOutcome.Ok:
                    RelayJson.AckOk(connection, evt.AckId);
                    break;
                case PollOutcome.PollNotActive:
                    lock (room.Gate)
                    {
                        room.CachePoll(poll with { Active = false });
                    }

                    RelayJson.Fail(connection, evt.AckId, ErrorCode.PollNotActive, "poll_response"u8);
                    break;
                default:
                    RelayJson.Fail(connection, evt.AckId, ErrorCode.PollNotFound, "poll_response"u8);
                    break;
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    // ---- #10 poll_end ----

    private async ValueTask PollEndAsync(ClientSession session, SocketIOEvent evt, CommandArg arg)
    {
        var pollId = PollCodec.ReadPollId(arg);
        if (pollId is null)
        {
            RelayJson.Fail(session.Connection, evt.AckId, ErrorCode.InvalidPayload, "poll_end"u8);
            return;
        }

        var outcome = await _store.EndPollAsync(session.Code, pollId, NowMs, session.Connection.Id).ConfigureAwait(false);
        if (outcome == PollOutcome.NotHost)
        {
            HostReplaced(session, evt, "poll_end"u8);
            return;
        }

        if (outcome != PollOutcome.Ok)
        {
            RelayJson.Fail(session.Connection, evt.AckId, outcome == PollOutcome.PollNotActive ? ErrorCode.PollNotActive : ErrorCode.PollNotFound, "poll_end"u8);
            return;
        }

        AnnouncePollEnded(session.Code, session.Room!, pollId);
        RelayJson.AckOk(session.Connection, evt.AckId);
    }

    /// <summary>After the store ended a poll: the local cache marks it ended and the audience gets <c>poll_ended</c>.</summary>
    private void AnnouncePollEnded(RoomCode code, LocalRoom room, string pollId)
    {
        lock (room.Gate)
        {
            var cached = room.FindPoll(Encoding.ASCII.GetBytes(pollId));
            if (cached is not null)
            {
                room.CachePoll(cached with { Active = false });
            }
        }

        _delivery.Deliver(code, room, PollCodec.PollEnded(pollId), RoomRecipients.Audience);
        if (EventSink is { } sink)
        {
            _ = EmitPollEndedAsync(sink, code, pollId);
        }
    }

    // ---- #11/#12 poll_results_request → poll_results ----

    /// <summary>
    /// Answer bytes after which a free-text results page ends: an eighth of the outbound budget, so the event and its
    /// ack together stay within the quarter the to-host drain also keeps to.
    /// </summary>
    private int PollResultsBytes => Math.Max(1, _options.ToHostDrainBytes / 2);

    private async ValueTask PollResultsAsync(ClientSession session, SocketIOEvent evt, CommandArg arg)
    {
        // {pollId, cursor?, limit?}: a free-text poll's answers come in pages, most frequent first (PROTOCOL §8.23).
        var page = arg.Kind == ArgKind.Object ? PageRequest.Parse(arg.Json.Span) : null;
        var offset = 0;
        if (page?.PollId is not { } pollId
            || (page.Cursor is { } cursor && !int.TryParse(cursor, NumberStyles.None, CultureInfo.InvariantCulture, out offset)))
        {
            RelayJson.Fail(session.Connection, evt.AckId, ErrorCode.InvalidPayload, "poll_results_request"u8);
            return;
        }

        var snapshot = await _store.GetPollResponsesAsync(session.Code, pollId).ConfigureAwait(false);
        if (snapshot is null)
        {
            RelayJson.Fail(session.Connection, evt.AckId, ErrorCode.PollNotFound, "poll_results_request"u8);
            return;
        }

        var results = PollCodec.BuildPollResults(snapshot, page.Limit > 0 ? page.Limit : _options.PollResultsTop, offset, PollResultsBytes);
        RelayJson.SendOnce(session.Connection, RelayJson.Event("poll_results"u8, results));
        if (evt.AckId >= 0)
        {
            // Flat in the ack: {"status":"ok",pollId,type,question,active,results} (PROTOCOL §8.2).
            var s = RelayJson.Scratch();
            s.Write("[{\"status\":\"ok\","u8);
            s.Write(results.AsSpan(1));
            s.Write("]"u8);
            session.Connection.SendAck(evt.AckId, s.WrittenSpan);
        }
    }
}
