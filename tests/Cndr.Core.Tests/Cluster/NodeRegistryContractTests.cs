using System.Text;
using Cndr.Core.Cluster;

namespace Cndr.Core.Tests.Cluster;

/// <summary>What every <see cref="INodeRegistry"/> must do beyond registration: node status for the admin API and monitor.</summary>
public abstract class NodeRegistryContractTests
{
    protected abstract INodeRegistry Registry { get; }

    [Fact]
    public async Task StatusIsReplacedPerNodeAndGoesWithTheNode()
    {
        var a = "node-a-" + Guid.NewGuid().ToString("N");
        var b = "node-b-" + Guid.NewGuid().ToString("N");
        await Registry.RegisterAsync(a, 1000);
        await Registry.RegisterAsync(b, 1001);
        await Registry.PublishStatusAsync(a, Encoding.UTF8.GetBytes("""{"v":1}"""));
        await Registry.PublishStatusAsync(a, Encoding.UTF8.GetBytes("""{"v":2}"""));
        await Registry.PublishStatusAsync(b, Encoding.UTF8.GetBytes("""{"v":3}"""));

        var all = await Registry.ListStatusAsync();
        Assert.Equal("""{"v":2}""", Encoding.UTF8.GetString(all[a].Span));
        Assert.Equal("""{"v":3}""", Encoding.UTF8.GetString(all[b].Span));

        await Registry.RemoveAsync(a);
        all = await Registry.ListStatusAsync();
        Assert.False(all.ContainsKey(a));
        Assert.True(all.ContainsKey(b));
        Assert.DoesNotContain(await Registry.ListAsync(), n => n.NodeId == a);
    }
}

public sealed class InMemoryNodeRegistryContractTests : NodeRegistryContractTests
{
    protected override INodeRegistry Registry { get; } = new InMemoryNodeRegistry();
}
