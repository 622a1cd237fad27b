namespace Cndr.Transport.EngineIO;

/// <summary>What <see cref="EngineIOPayloadReader"/> found.</summary>
public enum EngineIOPayloadStatus
{
    /// <summary>The next record is not complete yet; nothing was consumed.</summary>
    NeedMore,
    /// <summary>A packet was read and consumed.</summary>
    Packet,
    /// <summary>The (final) payload has no more records.</summary>
    End,
    /// <summary>The payload is malformed (empty record, unknown type, bad base64); stop and close the session.</summary>
    Malformed,
}
