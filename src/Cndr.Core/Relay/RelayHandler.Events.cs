using Cndr.Core.Protocol;
using Cndr.Core.Store;

namespace Cndr.Core.Relay;

public sealed partial class RelayHandler
{
    /// <summary>Where room lifecycle events go (webhooks); null = nowhere, and nothing is built.</summary>
    public IRelayEventSink? EventSink { get; set; }

    private void Emit(string type, RoomCode code, string? clientId = null, ClientRole? role = null, string? reason = null)
    {
        if (EventSink is { } sink)
        {
            sink.Publish(new RelayLifecycleEvent(type, code.ToString(), NowMs)
            {
                ClientId = clientId,
                Role = role is { } r ? RelayEvents.RoleText(r) : null,
                Reason = reason,
            });
        }
    }

    /// <summary>Free-text answers listed in a <c>poll_ended</c> webhook at most (the most frequent; totals count all).</summary>
    public const int WebhookPollAnswers = 50;

    /// <summary><c>poll_ended</c> with the final tally (bounded: <see cref="WebhookPollAnswers"/>), read from the store off the caller's path.</summary>
    private async Task EmitPollEndedAsync(IRelayEventSink sink, RoomCode code, string pollId)
    {
        ReadOnlyMemory<byte> results = default;
        try
        {
            if (await _store.GetPollResponsesAsync(code, pollId).ConfigureAwait(false) is { } snapshot)
            {
                results = PollCodec.BuildPollResults(snapshot, WebhookPollAnswers);
            }
        }
        catch (StoreUnavailableException)
        {
            // The event still goes out, without results.
        }

        sink.Publish(new RelayLifecycleEvent("poll_ended", code.ToString(), NowMs) { PollId = pollId, Results = results });
    }
}
