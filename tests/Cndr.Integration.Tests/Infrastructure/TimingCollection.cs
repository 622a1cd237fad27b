namespace Cndr.Integration.Tests.Infrastructure;

/// <summary>Test classes that assert latency bounds: xunit runs this collection alone, after the parallel ones.</summary>
[CollectionDefinition(nameof(DefaultUpgradeCloseTests), DisableParallelization = true)]
public sealed class TimingCollection
{
}
