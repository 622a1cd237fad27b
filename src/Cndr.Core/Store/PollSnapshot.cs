namespace Cndr.Core.Store;

/// <summary>A poll and every stored answer (one per respondent, last answer wins), for aggregation by the relay.</summary>
/// <param name="Poll">The definition and status.</param>
/// <param name="Responses">The stored answers as the relay wrote them (owned by the caller).</param>
public sealed record PollSnapshot(PollDefinition Poll, IReadOnlyList<ReadOnlyMemory<byte>> Responses);
