namespace Cndr.Core.Store;

/// <summary>An audience join (<see cref="IRelayStore.JoinAudienceAsync"/>).</summary>
/// <param name="ConnectionId">The connection (also the member's clientId).</param>
/// <param name="NodeId">The node of that connection.</param>
/// <param name="Meta">The meta object JSON (<c>{}</c> when absent).</param>
/// <param name="NowMs">Join time (Unix ms).</param>
public readonly record struct AudienceJoin(string ConnectionId, string NodeId, ReadOnlyMemory<byte> Meta, long NowMs);
