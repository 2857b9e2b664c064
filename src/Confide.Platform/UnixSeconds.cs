namespace Confide.Platform;

/// <summary>Bounds for Unix timestamps in seconds that API callers send, so every endpoint refuses the same out-of-range values.</summary>
public static class UnixSeconds
{
    /// <summary>The last second a <see cref="DateTimeOffset"/> can hold: 9999-12-31T23:59:59Z.</summary>
    public const long Max = 253402300799;

    /// <summary>The largest value for a bound the server moves a second later (an inclusive "up to" turned exclusive, an expiry).</summary>
    public const long MaxBeforeLast = Max - 1;
}
