using Confide.Platform;

namespace Confide.Messaging.Api;

internal static class Unix
{
    public static long Seconds(DateTimeOffset value) => value.ToUnixTimeSeconds();

    public static long? Seconds(DateTimeOffset? value) => value?.ToUnixTimeSeconds();

    private static readonly long MinSeconds = DateTimeOffset.MinValue.ToUnixTimeSeconds();

    /// <summary>A timestamp a caller sent as <paramref name="field"/>; a 400 naming it outside what a DateTimeOffset holds (years 1 to 9999).</summary>
    public static DateTimeOffset? FromSeconds(long? seconds, string field) => seconds switch
    {
        null => null,
        { } s when s < MinSeconds || s > UnixSeconds.Max => throw new ConfideException(ConfideError.ParameterInvalid($"{field} must be a Unix timestamp in seconds")),
        _ => DateTimeOffset.FromUnixTimeSeconds(seconds.Value),
    };
}
