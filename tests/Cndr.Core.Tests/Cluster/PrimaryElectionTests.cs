using Cndr.Core.Cluster;

namespace Cndr.Core.Tests.Cluster;

public class PrimaryElectionTests
{
    [Fact]
    public void EarliestRegisteredLiveNodeIsPrimary()
    {
        var nodes = new[] { new NodeEntry("b", 200, 1_000), new NodeEntry("a", 100, 1_000), new NodeEntry("c", 300, 1_000) };
        Assert.Equal("a", PrimaryElection.Elect(nodes, 1_500, 1_000));
    }

    [Fact]
    public void NodeWithStaleHeartbeatIsSkipped()
    {
        var nodes = new[] { new NodeEntry("a", 100, 200), new NodeEntry("b", 200, 1_400) };
        Assert.Equal("b", PrimaryElection.Elect(nodes, 1_500, 1_000));
    }

    [Fact]
    public void NodeWithoutHeartbeatIsNotAlive()
    {
        var nodes = new[] { new NodeEntry("a", 100, null), new NodeEntry("b", 200, 1_400) };
        Assert.Equal("b", PrimaryElection.Elect(nodes, 1_500, 1_000));
    }

    [Fact]
    public void EqualRegistrationTimesAreBrokenByIdSoEveryNodeAgrees()
    {
        var nodes = new[] { new NodeEntry("n2", 100, 1_000), new NodeEntry("n1", 100, 1_000) };
        Assert.Equal("n1", PrimaryElection.Elect(nodes, 1_000, 1_000));
        Assert.Equal("n1", PrimaryElection.Elect(nodes.Reverse().ToArray(), 1_000, 1_000));
    }

    [Fact]
    public void NoLiveNodeMeansNoPrimary()
    {
        Assert.Null(PrimaryElection.Elect([new NodeEntry("a", 1, 1)], 10_000, 1_000));
        Assert.Null(PrimaryElection.Elect([], 10_000, 1_000));
    }
}
