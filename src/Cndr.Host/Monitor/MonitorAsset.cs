using System.Text;
using Cndr.Transport.Http;

namespace Cndr.Host.Monitor;

/// <summary>One static file of the monitor, read once from the executable's embedded resources.</summary>
internal sealed class MonitorAsset(byte[] content, byte[] contentType)
{
    public static MonitorAsset Load(string name, string contentType)
    {
        using var stream = typeof(MonitorAsset).Assembly.GetManifestResourceStream("monitor/" + name)
            ?? throw new InvalidOperationException($"monitor/{name} is not embedded in the executable");
        using var ms = new MemoryStream();
        stream.CopyTo(ms);
        return new MonitorAsset(ms.ToArray(), Encoding.ASCII.GetBytes(contentType));
    }

    public ValueTask SendAsync(HttpContext ctx)
    {
        ctx.Response.AddHeader("Cache-Control", "no-cache");
        ctx.Response.AddHeader("X-Content-Type-Options", "nosniff");
        ctx.Response.AddHeader("Content-Security-Policy", "default-src 'self'; connect-src 'self'; img-src 'self' data:; frame-ancestors 'none'");
        return ctx.Response.SendAsync(200, contentType, content);
    }
}
