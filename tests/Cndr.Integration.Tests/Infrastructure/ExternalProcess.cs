using System.Diagnostics;

namespace Cndr.Integration.Tests.Infrastructure;

/// <summary>Runs a program to completion (bounded in time) and returns its exit code and output.</summary>
public static class ExternalProcess
{
    public static ProcessStartInfo Command(string fileName, string workingDirectory, params string[] args)
    {
        var psi = new ProcessStartInfo(fileName)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }

        return psi;
    }

    public static async Task<(int Code, string Out, string Err)> RunAsync(ProcessStartInfo psi, int timeoutMs = 30_000)
    {
        using var p = Process.Start(psi) ?? throw new InvalidOperationException(psi.FileName + " did not start");
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(timeoutMs);
        try
        {
            await p.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            p.Kill(entireProcessTree: true);
            throw new TimeoutException($"{psi.FileName} {string.Join(' ', psi.ArgumentList)} did not finish within {timeoutMs} ms: {await stdout}{await stderr}");
        }

        return (p.ExitCode, await stdout, await stderr);
    }
}
