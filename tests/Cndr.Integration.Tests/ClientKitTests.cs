using Cndr.Integration.Tests.Infrastructure;

namespace Cndr.Integration.Tests;

/// <summary>
/// The client kit (clients/, examples/) against a real node on the embedded store: the TypeScript definitions
/// type-check the examples and refuse wrong payloads; the JS helper, the .NET example and the Python example each
/// play their script and exit 0 only when every step held.
/// </summary>
public sealed class ClientKitTests
{
    private static string JsClientDir => Path.Combine(RepoPaths.Root, "clients", "js");

    private static async Task AssertRunsAsync(System.Diagnostics.ProcessStartInfo psi, string expected, int timeoutMs = 60_000)
    {
        var (code, stdout, stderr) = await ExternalProcess.RunAsync(psi, timeoutMs);
        Assert.True(code == 0, $"{psi.FileName} {string.Join(' ', psi.ArgumentList)} exited {code}\n{stdout}\n{stderr}");
        Assert.Contains(expected, stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TypeScriptDefinitionsAcceptTheExamplesAndRefuseWrongPayloads()
    {
        // test/types.ts marks each wrong payload with @ts-expect-error: tsc fails if one of them type-checks.
        await AssertRunsAsync(
            ExternalProcess.Command("node", JsClientDir, "node_modules/typescript/bin/tsc", "-p", "tsconfig.test.json", "--pretty", "false", "--listEmittedFiles"),
            string.Empty);
    }

    [Fact]
    public async Task JsHelperKeepsThePlayersSeatAcrossADroppedConnection()
    {
        await AssertRunsAsync(ExternalProcess.Command("node", JsClientDir, "node_modules/typescript/bin/tsc", "-p", "tsconfig.json"), string.Empty);
        await using var node = await TestNode.StartAsync();
        var (code, key) = await node.CreateRoomAsync();
        await AssertRunsAsync(ExternalProcess.Command("node", JsClientDir, "test/reclaim.mjs", node.Url, code, key), "the helper kept the seat");
    }

    [Fact]
    public async Task DotnetExamplePlaysAWholeRoundWithSocketIOClient()
    {
        // Built with the solution (examples/dotnet is in Cndr.sln), in the configuration the tests were built in.
        var configuration = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar)).Parent!.Name;
        var dll = Path.Combine(RepoPaths.Root, "examples", "dotnet", "bin", configuration, "net10.0", "cndr-round.dll");
        Assert.True(File.Exists(dll), dll + " is missing: build Cndr.sln");
        await using var node = await TestNode.StartAsync();
        var (code, key) = await node.CreateRoomAsync();
        await AssertRunsAsync(ExternalProcess.Command("dotnet", RepoPaths.Root, dll, node.Url, code, key), "a whole round worked");
    }

    [Fact]
    public async Task PythonExamplePlaysAWholeRoundWithPythonSocketIO()
    {
        // Debian's python3-socketio lives in the system interpreter (not in a pyenv or venv one).
        var python = File.Exists("/usr/bin/python3") ? "/usr/bin/python3" : "python3";
        await using var node = await TestNode.StartAsync();
        var (code, key) = await node.CreateRoomAsync();
        await AssertRunsAsync(ExternalProcess.Command(python, RepoPaths.Root, "examples/python/cndr_round.py", node.Url, code, key), "a whole round worked");
    }
}
