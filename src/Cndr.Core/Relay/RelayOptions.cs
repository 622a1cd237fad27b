namespace Cndr.Core.Relay;

/// <summary>Settings of the relay (bound by the Host from configuration; names follow the design's environment variables).</summary>
public sealed class RelayOptions
{
    /// <summary>This node's id (written to <c>hostNodeId</c> / <c>connectedNodeId</c>). Default: a new GUID.</summary>
    public string NodeId { get; set; } = Guid.NewGuid().ToString("N");

    /// <summary>Room code length (1–8; default 6).</summary>
    public int RoomCodeLength { get; set; } = 6;

    /// <summary>A connection that has not joined a room within this time is closed (default 10 s).</summary>
    public TimeSpan HandshakeTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How often the one shared sweep looks for handshake timeouts (default 1 s).</summary>
    public TimeSpan HandshakeSweepInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary><c>RATE_LIMIT_MESSAGES</c>: budget per client and window, shared by message_to_host and poll_response (default 100).</summary>
    public int RateLimitMessages { get; set; } = 100;

    /// <summary><c>RATE_LIMIT_WINDOW_MS</c>: the rate-limit window in milliseconds (default 60000).</summary>
    public int RateLimitWindowMs { get; set; } = 60_000;

    /// <summary>Bound of a room's to-host queue while the host is away (default 1000; then QUEUE_FULL).</summary>
    public int ToHostQueueLimit { get; set; } = 1000;

    /// <summary>How many queued to-host entries one drain step takes (default 100).</summary>
    public int ToHostDrainBatch { get; set; } = 100;

    /// <summary>
    /// The most bytes a to-host drain lets wait in the host's outbound queue (default 256 KiB; keep it well below the
    /// transport's outbound limit). The drain sends only what fits and waits for the host to take it.
    /// </summary>
    public int ToHostDrainBytes { get; set; } = 256 * 1024;

    /// <summary>How long a to-host drain waits before looking again when the host's outbound queue is full (default 10 ms).</summary>
    public int ToHostDrainWaitMs { get; set; } = 10;

    /// <summary>How long a to-host drain that failed (store unavailable) waits before it is tried again (default 1000 ms).</summary>
    public int ToHostDrainRetryMs { get; set; } = 1000;

    /// <summary>Largest serialised <c>meta</c> object in bytes (default 4096; over it: PAYLOAD_TOO_LARGE).</summary>
    public int MaxMetaBytes { get; set; } = 4096;

    /// <summary>Longest free-text poll answer in characters after trimming (default 500; over it: PAYLOAD_TOO_LARGE).</summary>
    public int MaxFreeTextChars { get; set; } = 500;

    /// <summary>Minimum interval between two <c>lastActivity</c> touches of one room for messages that write nothing else (default 1000 ms).</summary>
    public int ActivityTouchIntervalMs { get; set; } = 1000;

    // ---- Developer kit ----

    /// <summary><c>AUDIENCE_MESSAGE_BUDGET</c>: message_to_host from the audience per room and window on one node (0 = no room budget).</summary>
    public int AudienceMessageBudget { get; set; }

    /// <summary><c>AUDIENCE_MESSAGE_WINDOW_MS</c>: the window of <see cref="AudienceMessageBudget"/> (default 1000 ms).</summary>
    public int AudienceMessageWindowMs { get; set; } = 1000;

    // Hostile clients.

    /// <summary><c>FAILED_HANDSHAKE_LIMIT</c>: failed handshakes (wrong host key, password or seat token, unknown room) per client IP and window before its handshakes are refused with RATE_LIMITED (default 30; 0 = off).</summary>
    public int FailedHandshakeLimit { get; set; } = 30;

    /// <summary><c>FAILED_HANDSHAKE_WINDOW_MS</c>: the window of <see cref="FailedHandshakeLimit"/> (default 60000).</summary>
    public int FailedHandshakeWindowMs { get; set; } = 60_000;

    /// <summary>Most client IPs the failed-handshake table tracks at once (default 10000; expired entries are swept).</summary>
    public int FailedHandshakeMaxAddresses { get; set; } = 10_000;

    /// <summary>Warn lines per kind (forbidden, rate limited, auth failure, malformed) per <see cref="ClientLogIntervalMs"/> before the rest are only counted (default 20).</summary>
    public int ClientLogLinesPerInterval { get; set; } = 20;

    /// <summary>Interval of <see cref="ClientLogLinesPerInterval"/>; each ends with one "N suppressed" line per kind that had more (default 10000).</summary>
    public int ClientLogIntervalMs { get; set; } = 10_000;

    // ---- Bounded replies (PROTOCOL §8.23) ----

    /// <summary>Largest <c>limit</c> of one <c>list_clients</c> or free-text <c>poll_results</c> page.</summary>
    public const int MaxPageLimit = 500;

    /// <summary><c>HANDSHAKE_AUDIENCE_LIMIT</c>: audience members the host's <c>handshake_response</c> lists (default 100; the rest by <c>list_clients</c>).</summary>
    public int HandshakeAudienceLimit { get; set; } = 100;

    /// <summary><c>POLL_RESULTS_TOP</c>: free-text answers one <c>poll_results</c> / <c>poll_tally</c> lists, most frequent first (default 100; the rest by paging).</summary>
    public int PollResultsTop { get; set; } = 100;

    /// <summary>Checks <c>auth.token</c> sign-ins (JWT_SECRET / JWT_PUBLIC_KEY); null = tokens are refused with INVALID_TOKEN.</summary>
    public Rooms.IJoinTokenValidator? TokenValidator { get; set; }

    /// <summary>Throws when a setting is out of range.</summary>
    public void Validate()
    {
        if (RoomCodeLength is < 1 or > RoomCode.MaxLength)
        {
            throw new ArgumentOutOfRangeException(nameof(RoomCodeLength), RoomCodeLength, "must be 1–8");
        }

        if (string.IsNullOrEmpty(NodeId))
        {
            throw new ArgumentException("NodeId must not be empty", nameof(NodeId));
        }

        if (HandshakeTimeout <= TimeSpan.Zero || HandshakeSweepInterval <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(HandshakeTimeout), "timeouts must be positive");
        }

        if (FailedHandshakeLimit < 0 || FailedHandshakeWindowMs < 1 || FailedHandshakeMaxAddresses < 1 || ClientLogLinesPerInterval < 1 || ClientLogIntervalMs < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(FailedHandshakeLimit), "throttle settings must be positive");
        }

        if (RateLimitMessages < 1 || RateLimitWindowMs < 1 || ToHostQueueLimit < 1 || ToHostDrainBatch < 1 || ToHostDrainBytes < 1 || ToHostDrainWaitMs < 1 || ToHostDrainRetryMs < 1 || MaxMetaBytes < 2 || MaxFreeTextChars < 1
            || AudienceMessageBudget < 0 || AudienceMessageWindowMs < 1 || HandshakeAudienceLimit < 0 || PollResultsTop is < 1 or > MaxPageLimit)
        {
            throw new ArgumentOutOfRangeException(nameof(RateLimitMessages), "limits must be positive");
        }
    }
}
