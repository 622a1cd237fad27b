using Cndr.Core.Protocol;
using Cndr.Core.Store;

namespace Cndr.Core.Relay;

public sealed partial class RelayHandler
{
    private const int PollTimerRetryMs = 1000;

    /// <summary>A host joined this node: take over the timers of the room's active timed and live polls.</summary>
    private async Task ResumePollTimersAsync(RoomCode code)
    {
        try
        {
            foreach (var poll in await _store.GetActivePollsAsync(code).ConfigureAwait(false))
            {
                _pollTimers.Track(code, poll, NowMs);
            }
        }
        catch (StoreUnavailableException)
        {
            // The timers stay with no node until the next host join; late answers are refused by their deadline.
        }
    }

    /// <summary>A poll timer fired: end a timed poll, or send the host its live tally. Only where the host is.</summary>
    private async Task OnPollTimerAsync(PollTimers.Entry entry)
    {
        if (!_rooms.TryGet(entry.Code, out var room) || room.Host is not { } host)
        {
            return;
        }

        try
        {
            if (!entry.Tally)
            {
                if (await _store.EndPollAsync(entry.Code, entry.PollId, NowMs).ConfigureAwait(false) == PollOutcome.Ok)
                {
                    AnnouncePollEnded(entry.Code, room, entry.PollId);
                    // The host learns the outcome without asking (the same object poll_results_request returns).
                    var final = await _store.GetPollResponsesAsync(entry.Code, entry.PollId).ConfigureAwait(false);
                    if (final is not null)
                    {
                        RelayJson.SendOnce(host.Connection, RelayJson.Event("poll_results"u8, PollCodec.BuildPollResults(final, _options.PollResultsTop, maxBytes: PollResultsBytes)));
                    }
                }

                return;
            }

            var snapshot = await _store.GetPollResponsesAsync(entry.Code, entry.PollId).ConfigureAwait(false);
            if (snapshot is null || !snapshot.Poll.Active)
            {
                return;
            }

            // Coalesced: at most one poll_tally per tick, and none when nothing changed since the last one.
            var tally = PollCodec.BuildPollResults(snapshot, _options.PollResultsTop, maxBytes: PollResultsBytes);
            if (entry.LastTally is null || !tally.AsSpan().SequenceEqual(entry.LastTally))
            {
                entry.LastTally = tally;
                RelayJson.SendOnce(host.Connection, RelayJson.Event("poll_tally"u8, tally));
            }

            _pollTimers.Again(entry, PollTimers.TallyIntervalMs);
        }
        catch (StoreUnavailableException)
        {
            _pollTimers.Again(entry, PollTimerRetryMs);
        }
    }
}
