using System.Collections;
using Cndr.Host.Configuration;

namespace Cndr.Integration.Tests;

public class SettingsTests
{
    private static CndrSettings Load(string[] args, IDictionary? env = null)
    {
        Assert.True(SettingsLoader.TryLoad(args, out var s, out var errors, env ?? new Hashtable()), string.Join("; ", errors));
        return s;
    }

    private static List<string> Errors(string[] args, IDictionary? env = null)
    {
        Assert.False(SettingsLoader.TryLoad(args, out _, out var errors, env ?? new Hashtable()));
        return errors;
    }

    [Fact]
    public void DefaultsAreTheDesignDefaults()
    {
        var s = Load([]);
        Assert.Equal(3000, s.Port);
        Assert.True(s.UsesEmbeddedStore);
        Assert.Equal(100, s.RateLimitMessages);
        Assert.Equal(60_000, s.RateLimitWindowMs);
        Assert.Equal(300_000, s.CleanupIntervalMs);
        Assert.Equal(300_000, s.InactiveRoomThresholdMs);
        Assert.Equal(60_000, s.HeartbeatIntervalMs);
        Assert.Equal(180_000, s.NodeTimeoutMs);
        Assert.Equal(65_536, s.MaxMessageBytes);
        Assert.Equal(25_000, s.PingIntervalMs);
        Assert.Equal(20_000, s.PingTimeoutMs);
        Assert.Equal(10_000, s.HandshakeTimeoutMs);
        Assert.Equal(1000, s.MaxQueueLength);
    }

    [Fact]
    public void EnvironmentSetsAndFlagsWin()
    {
        var env = new Hashtable { ["PORT"] = "4000", ["REDIS_HOST"] = "127.0.0.1", ["RATE_LIMIT_MESSAGES"] = "5" };
        var s = Load(["--port", "5000", "--rate-limit-window-ms=1000"], env);
        Assert.Equal(5000, s.Port);
        Assert.Equal("127.0.0.1", s.RedisHost);
        Assert.False(s.UsesEmbeddedStore);
        Assert.Equal(5, s.RateLimitMessages);
        Assert.Equal(1000, s.RateLimitWindowMs);
    }

    [Fact]
    public void JsonFileIsTheLowestLayer()
    {
        var file = Path.GetTempFileName();
        try
        {
            File.WriteAllText(file, """{ "PORT": 4100, "LOG_LEVEL": "debug", "MAX_QUEUE_LENGTH": 7 }""");
            var s = Load(["--config", file, "--max-queue-length", "9"], new Hashtable { ["LOG_LEVEL"] = "warn" });
            Assert.Equal(4100, s.Port);
            Assert.Equal("warn", s.LogLevel);
            Assert.Equal(9, s.MaxQueueLength);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public void InvalidValuesNameTheSetting()
    {
        var errors = Errors(["--port", "70000"], new Hashtable { ["RATE_LIMIT_MESSAGES"] = "lots", ["LOG_LEVEL"] = "loud", ["BIND_ADDRESS"] = "localhost:1" });
        Assert.Contains(errors, e => e.StartsWith("PORT", StringComparison.Ordinal) && e.Contains("70000", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("RATE_LIMIT_MESSAGES", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("LOG_LEVEL", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("BIND_ADDRESS", StringComparison.Ordinal));
    }

    [Fact]
    public void UnknownFlagIsRefused() =>
        Assert.Contains(Errors(["--prot", "3000"]), e => e.Contains("--prot", StringComparison.Ordinal));

    [Fact]
    public void TlsNeedsBothFiles()
    {
        var cert = Path.GetTempFileName();
        try
        {
            Assert.Contains(Errors(["--tls-cert-path", cert]), e => e.Contains("TLS_KEY_PATH", StringComparison.Ordinal));
            Assert.Contains(Errors(["--tls-cert-path", cert, "--tls-key-path", "/nonexistent/key.pem"]), e => e.StartsWith("TLS_KEY_PATH", StringComparison.Ordinal));
        }
        finally
        {
            File.Delete(cert);
        }
    }

    [Fact]
    public void HelpListsEverySettingWithItsDefaultAndNoSecret()
    {
        var help = SettingsLoader.Help();
        foreach (var d in CndrSettings.Definitions)
        {
            Assert.Contains(d.Name, help, StringComparison.Ordinal);
            Assert.Contains(d.Flag, help, StringComparison.Ordinal);
        }

        Assert.Contains("[default: 3000]", help, StringComparison.Ordinal);
        Assert.Contains("REDIS_PASSWORD --redis-password", help, StringComparison.Ordinal);
    }

    [Fact]
    public void SecretValuesNeverAppearInErrors()
    {
        Assert.False(SettingsLoader.TryLoad(["--port", "x"], out _, out var errors, new Hashtable { ["REDIS_PASSWORD"] = "hunter2", ["ADMIN_TOKEN"] = "tok-secret" }));
        Assert.DoesNotContain(errors, e => e.Contains("hunter2", StringComparison.Ordinal) || e.Contains("tok-secret", StringComparison.Ordinal));
    }
}
