namespace Cndr.Core.Store;

/// <summary>Result of <see cref="IRelayStore.ListClientsAsync"/>: the outcome and, when <see cref="ClientPageOutcome.Ok"/>, the page.</summary>
public readonly record struct ClientPageResult(ClientPageOutcome Outcome, ClientPage? Page);
