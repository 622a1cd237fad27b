namespace Cndr.LoadTests.Running;

/// <summary>
/// The rates of a saturation search for one target: a ladder (× --rate-factor per step, at most --max-steps
/// steps) until a step fails, then --bisect-steps steps halving the interval between the highest good rate
/// and the lowest failing one (stopping early once that interval is within 3 %). The reported saturation is the
/// highest good rate, so it is no longer up to a whole ladder step below the true limit. When the very first
/// step fails (a loaded machine), the ladder goes down instead (÷ --rate-factor, at most --max-steps steps) until
/// a step passes, and bisects from there: a search ends with a saturation figure unless even the lowest rate fails.
/// </summary>
internal sealed class SaturationSearch(Options options)
{
    private int _ladderSteps;
    private int _downSteps;
    private int _bisections;

    /// <summary>Highest rate whose step passed; null until one did.</summary>
    public double? HighestGoodRate { get; private set; }

    /// <summary>Lowest rate whose step failed; null while the ladder has not failed yet.</summary>
    public double? FirstFailingRate { get; private set; }

    public bool FoundLimit => FirstFailingRate is not null && HighestGoodRate is not null;

    /// <summary>Records the outcome at <paramref name="rate"/>; returns the next rate, or null when the search is over.</summary>
    public double? Next(double rate, bool passed)
    {
        if (passed)
        {
            HighestGoodRate = Math.Max(HighestGoodRate ?? 0, rate);
        }
        else
        {
            FirstFailingRate = Math.Min(FirstFailingRate ?? double.MaxValue, rate);
        }

        if (FirstFailingRate is null)
        {
            return ++_ladderSteps < options.MaxSteps ? rate * options.RateFactor : null;
        }

        if (HighestGoodRate is null)
        {
            // Nothing has passed yet, not even the starting rate: step down until something does.
            return ++_downSteps < options.MaxSteps ? rate / options.RateFactor : null;
        }

        if (HighestGoodRate is not { } lo || FirstFailingRate is not { } hi || lo >= hi)
        {
            return null; // noise inverted the bounds
        }

        if (_bisections >= options.BisectSteps || (hi - lo) / lo < 0.03)
        {
            return null;
        }

        _bisections++;
        return (lo + hi) / 2;
    }
}
