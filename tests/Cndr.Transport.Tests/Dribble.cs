using System.Net.Sockets;

namespace Cndr.Transport.Tests;

/// <summary>A slow peer: writes one byte every 50 ms until the server closes the connection or the time runs out.</summary>
internal static class Dribble
{
    /// <summary>True when the server closed the connection (a read of 0 or an I/O error) before <paramref name="timeout"/>.</summary>
    public static async Task<bool> UntilClosedAsync(NetworkStream stream, byte[] oneByte, TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        var read = stream.ReadAsync(new byte[4096], cts.Token).AsTask();
        while (!cts.IsCancellationRequested)
        {
            if (read.IsCompleted)
            {
                return read.IsCompletedSuccessfully ? await read == 0 : read.Exception?.InnerException is IOException;
            }

            try
            {
                await stream.WriteAsync(oneByte, cts.Token);
            }
            catch (IOException)
            {
                return true;
            }

            await Task.WhenAny(read, Task.Delay(50, CancellationToken.None));
        }

        return false;
    }
}
