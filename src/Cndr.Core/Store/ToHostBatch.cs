namespace Cndr.Core.Store;

/// <summary>
/// What <see cref="IRelayStore.AckAndPeekToHostAsync"/> did: <see cref="Removed"/> entries acknowledged (fewer than asked
/// when the caller's connection is no longer the room's host: then <see cref="Entries"/> is empty), and the oldest
/// entries now queued, oldest first.
/// </summary>
/// <param name="Removed">Entries removed by the acknowledgement.</param>
/// <param name="Entries">The oldest entries after it (nothing removed); empty when the queue is empty.</param>
/// <param name="More">The queue holds entries beyond <paramref name="Entries"/>.</param>
/// <param name="FirstSeq">
/// The room's sequence number of the first entry of <paramref name="Entries"/> (entries are numbered 1, 2, … as they are
/// pushed); 0 or less when the store does not number them.
/// </param>
public readonly record struct ToHostBatch(int Removed, IReadOnlyList<ReadOnlyMemory<byte>> Entries, bool More, long FirstSeq = 0);
