namespace Confide.Messaging.Api;

internal static class Unix
{
    public static long Seconds(DateTimeOffset value) => value.ToUnixTimeSeconds();

    public static long? Seconds(DateTimeOffset? value) => value?.ToUnixTimeSeconds();

    public static DateTimeOffset? FromSeconds(long? seconds) =>
        seconds is null ? null : DateTimeOffset.FromUnixTimeSeconds(seconds.Value);
}
