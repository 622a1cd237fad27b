using System.Text;
using Cndr.Core.Store;

namespace Cndr.Benchmarks.Scenarios;

/// <summary>Stored answers of one poll (as the store returns them) for the aggregation into poll_results.</summary>
internal static class PollSamples
{
    /// <summary>
    /// <paramref name="answers"/> answers to a poll of <paramref name="type"/> with 4 options, in their stored form:
    /// <c>option_i</c>; a JSON array of distinct options; or free text (20 distinct texts).
    /// </summary>
    public static PollSnapshot Snapshot(PollType type, int answers)
    {
        var poll = new PollDefinition("bench", type, "Which one?", type == PollType.FreeText ? [] : ["red", "green", "blue", "yellow"], true, 0);
        var list = new ReadOnlyMemory<byte>[answers];
        for (var i = 0; i < answers; i++)
        {
            var text = type switch
            {
                PollType.SingleChoice => $"option_{i % 4}",
                PollType.MultipleChoice => i % 3 == 0 ? $"[\"option_{i % 4}\"]" : $"[\"option_{i % 2}\",\"option_{2 + (i % 2)}\"]",
                _ => $"answer number {i % 20}",
            };
            list[i] = Encoding.UTF8.GetBytes(text);
        }

        return new PollSnapshot(poll, list);
    }
}
