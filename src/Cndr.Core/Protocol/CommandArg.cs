namespace Cndr.Core.Protocol;

/// <summary>The first argument of an event: its shape and raw bytes.</summary>
internal readonly record struct CommandArg(ArgKind Kind, ReadOnlyMemory<byte> Json);
