using System.Collections.Frozen;
using System.Text;
using Cndr.Transport.Http;

namespace Cndr.Host.Play;

/// <summary>
/// The browser party game of <c>examples/web</c>, embedded in the executable and served by every node:
/// <c>/play</c> is the phone controller (join by code as player or audience), <c>/play/host</c> the big screen,
/// <c>/play/&lt;file&gt;</c> their scripts and stylesheet. <c>PLAY_PAGES=false</c> turns it off.
/// </summary>
internal static class PlayPages
{
    private const string ResourcePrefix = "play/";

    private static readonly FrozenDictionary<string, (byte[] ContentType, byte[] Body)> s_files = Load();

    /// <summary>The embedded file names (play.html, host.html, ...).</summary>
    public static IEnumerable<string> Files => s_files.Keys;

    public static void Map(HttpRouter router)
    {
        router.Map(HttpVerb.Get, "/play", static ctx => SendAsync(ctx, "play.html"));
        router.MapPrefix(HttpVerb.Get, "/play/", static ctx =>
        {
            var name = Encoding.ASCII.GetString(ctx.PathRemainder);
            return SendAsync(ctx, name switch
            {
                "" => "play.html",
                "host" => "host.html",
                _ => name,
            });
        });
    }

    private static ValueTask SendAsync(HttpContext ctx, string name)
    {
        if (!s_files.TryGetValue(name, out var file))
        {
            return ctx.Response.SendAsync(404, "text/plain; charset=utf-8", "not found");
        }

        ctx.Response.AddHeader("Cache-Control", "no-cache");
        ctx.Response.AddHeader("X-Content-Type-Options", "nosniff");
        return ctx.Response.SendAsync(200, file.ContentType, file.Body);
    }

    private static FrozenDictionary<string, (byte[] ContentType, byte[] Body)> Load()
    {
        var assembly = typeof(PlayPages).Assembly;
        var files = new Dictionary<string, (byte[], byte[])>(StringComparer.Ordinal);
        foreach (var resource in assembly.GetManifestResourceNames())
        {
            if (!resource.StartsWith(ResourcePrefix, StringComparison.Ordinal))
            {
                continue;
            }

            using var stream = assembly.GetManifestResourceStream(resource)!;
            using var copy = new MemoryStream();
            stream.CopyTo(copy);
            var name = resource[ResourcePrefix.Length..];
            files[name] = (Encoding.ASCII.GetBytes(ContentType(name)), copy.ToArray());
        }

        return files.ToFrozenDictionary(StringComparer.Ordinal);
    }

    private static string ContentType(string name) => Path.GetExtension(name) switch
    {
        ".html" => "text/html; charset=utf-8",
        ".js" => "text/javascript; charset=utf-8",
        ".css" => "text/css; charset=utf-8",
        _ => "application/octet-stream",
    };
}
