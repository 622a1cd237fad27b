using System.Buffers;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Threading.Channels;
using Cndr.Core.Relay;
using Microsoft.Extensions.Logging;

namespace Cndr.Host.Webhooks;

/// <summary>
/// Posts room lifecycle events to <c>WEBHOOK_URL</c>: <see cref="Publish"/> only writes to a bounded channel
/// (full: the event is dropped and counted); one background loop sends each event as JSON with
/// <c>X-Cndr-Timestamp</c> and <c>X-Cndr-Signature: sha256=hex(HMAC-SHA256(secret, timestamp + "." + body))</c>,
/// retrying a failed POST (non-2xx or network error) with exponential backoff up to a bounded number of attempts.
/// </summary>
internal sealed partial class WebhookSender : IRelayEventSink, IAsyncDisposable
{
    private readonly Channel<RelayLifecycleEvent> _queue;
    private readonly HttpClient _http;
    private readonly Uri _url;
    private readonly byte[] _secret;
    private readonly string _nodeId;
    private readonly int _maxAttempts;
    private readonly int _backoffMs;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;
    private long _sent;
    private long _dropped;
    private long _failed;
    private long _retries;

    public WebhookSender(Uri url, string? secret, string nodeId, int capacity, int maxAttempts, int backoffMs, int timeoutMs, ILogger logger)
    {
        _url = url;
        _secret = Encoding.UTF8.GetBytes(secret ?? "");
        _nodeId = nodeId;
        _maxAttempts = maxAttempts;
        _backoffMs = backoffMs;
        _logger = logger;
        _http = new HttpClient { Timeout = TimeSpan.FromMilliseconds(timeoutMs) };
        _queue = Channel.CreateBounded<RelayLifecycleEvent>(new BoundedChannelOptions(capacity)
        {
            FullMode = BoundedChannelFullMode.DropWrite,
            SingleReader = true,
        }, _ => Interlocked.Increment(ref _dropped));
        _loop = Task.Run(SendLoopAsync);
    }

    /// <summary>Events POSTed and answered 2xx.</summary>
    public long Sent => Volatile.Read(ref _sent);

    /// <summary>Events dropped because the queue was full.</summary>
    public long Dropped => Volatile.Read(ref _dropped);

    /// <summary>Events given up after the last attempt failed.</summary>
    public long Failed => Volatile.Read(ref _failed);

    /// <summary>Attempts repeated after a failure.</summary>
    public long Retries => Volatile.Read(ref _retries);

    public void Publish(RelayLifecycleEvent e) => _queue.Writer.TryWrite(e);

    /// <summary><c>sha256=</c> and the lowercase hex of HMAC-SHA256(secret, timestamp + "." + body).</summary>
    public static string Sign(byte[] secret, string timestamp, byte[] body)
    {
        var signed = new byte[timestamp.Length + 1 + body.Length];
        Encoding.ASCII.GetBytes(timestamp, signed);
        signed[timestamp.Length] = (byte)'.';
        body.CopyTo(signed, timestamp.Length + 1);
        return "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(secret, signed));
    }

    /// <summary>The JSON body: <c>{type, roomCode, nodeId, at, clientId?, role?, reason?, pollId?, results?}</c>.</summary>
    public byte[] Body(RelayLifecycleEvent e)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteString("type", e.Type);
            w.WriteString("roomCode", e.RoomCode);
            w.WriteString("nodeId", _nodeId);
            w.WriteNumber("at", e.AtMs);
            WriteIfSet(w, "clientId", e.ClientId);
            WriteIfSet(w, "role", e.Role);
            WriteIfSet(w, "reason", e.Reason);
            WriteIfSet(w, "pollId", e.PollId);
            if (!e.Results.IsEmpty)
            {
                w.WritePropertyName("results");
                w.WriteRawValue(e.Results.Span, skipInputValidation: true);
            }

            w.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }

    private static void WriteIfSet(Utf8JsonWriter w, string name, string? value)
    {
        if (value is not null)
        {
            w.WriteString(name, value);
        }
    }

    private async Task SendLoopAsync()
    {
        try
        {
            await foreach (var e in _queue.Reader.ReadAllAsync(_stop.Token).ConfigureAwait(false))
            {
                await DeliverAsync(e).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException)
        {
            // Stopped.
        }
    }

    private async Task DeliverAsync(RelayLifecycleEvent e)
    {
        var body = Body(e);
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                var timestamp = DateTimeOffset.UtcNow.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
                using var request = new HttpRequestMessage(HttpMethod.Post, _url) { Content = new ByteArrayContent(body) };
                request.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
                request.Headers.Add("X-Cndr-Timestamp", timestamp);
                request.Headers.Add("X-Cndr-Signature", Sign(_secret, timestamp, body));
                request.Headers.Add("X-Cndr-Event", e.Type);
                using var response = await _http.SendAsync(request, _stop.Token).ConfigureAwait(false);
                if (response.IsSuccessStatusCode)
                {
                    Interlocked.Increment(ref _sent);
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // Retried below.
            }
            catch (TaskCanceledException) when (!_stop.IsCancellationRequested)
            {
                // The request timed out: retried below.
            }

            if (attempt >= _maxAttempts)
            {
                Interlocked.Increment(ref _failed);
                Log.WebhookFailed(_logger, "webhook_failed", e.Type, e.RoomCode, attempt);
                return;
            }

            Interlocked.Increment(ref _retries);
            await Task.Delay(_backoffMs << Math.Min(attempt - 1, 10), _stop.Token).ConfigureAwait(false);
        }
    }

    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        await _stop.CancelAsync().ConfigureAwait(false);
        try
        {
            await _loop.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // Stopped while waiting.
        }

        _http.Dispose();
        _stop.Dispose();
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 1, Level = LogLevel.Warning, Message = "{event} {type} room {roomCode} after {attempts} attempts")]
        public static partial void WebhookFailed(ILogger logger, string @event, string type, string roomCode, int attempts);
    }
}
