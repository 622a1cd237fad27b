namespace Cndr.Transport.Tests;

public class DebugServer
{
    [Fact(Skip = "manual: starts a server for a node script")]
    public async Task RunForAMinute()
    {
        await using var server = new TestServer();
        File.WriteAllText("/tmp/testserver.url", server.Url);
        await Task.Delay(40000);
    }
}
