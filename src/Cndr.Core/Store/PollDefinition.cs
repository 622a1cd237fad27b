namespace Cndr.Core.Store;

/// <summary>A poll's definition and status (<c>room:poll:config:&lt;code&gt;:&lt;pollId&gt;</c>).</summary>
/// <param name="PollId">1–64 characters <c>[A-Za-z0-9_-]</c>.</param>
/// <param name="Type">The poll type.</param>
/// <param name="Question">The question text.</param>
/// <param name="Options">Option labels (empty for free_text); answers refer to them as <c>option_&lt;index&gt;</c>.</param>
/// <param name="Active">True until the poll is ended (ignored on input: a started poll is active).</param>
/// <param name="StartedAtMs">Start time (Unix ms).</param>
/// <param name="EndsAtMs">A timed poll's end (Unix ms; <c>poll_start {durationMs}</c>), 0 when it runs until <c>poll_end</c>.</param>
/// <param name="LiveResults">The host gets <c>poll_tally</c> while answers arrive (<c>poll_start {liveResults: true}</c>).</param>
public sealed record PollDefinition(string PollId, PollType Type, string Question, IReadOnlyList<string> Options, bool Active, long StartedAtMs, long EndsAtMs = 0, bool LiveResults = false);
