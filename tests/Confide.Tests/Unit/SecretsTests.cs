using Confide.Identity;
using Confide.Platform;

namespace Confide.Tests.Unit;

public sealed class SecretsTests
{
    [Fact]
    public void ApiTokens_NameTheirRegionAndAreStoredOnlyAsAHash()
    {
        var token = ApiTokenSecrets.Generate(Region.Au);

        Assert.StartsWith("cfd_au_", token, StringComparison.Ordinal);
        Assert.True(ApiTokenSecrets.TryParseRegion(token, out var region));
        Assert.Equal(Region.Au, region);
        var hash = ApiTokenSecrets.Hash(token);
        Assert.StartsWith("sha256:", hash, StringComparison.Ordinal);
        Assert.DoesNotContain(token[7..], hash, StringComparison.Ordinal);
        Assert.NotEqual(token, ApiTokenSecrets.Generate(Region.Au));
        Assert.False(ApiTokenSecrets.TryParseRegion("cfd_xx_" + token[7..], out _));
        Assert.False(ApiTokenSecrets.TryParseRegion(token[..^1], out _));
    }

    [Fact]
    public void EntityIds_AreHexAndSortByCreationTime()
    {
        var time = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(DateTimeOffset.FromUnixTimeSeconds(1_800_000_000));
        var first = PublicIds.NewEntityId(time);
        time.Advance(TimeSpan.FromSeconds(1));
        var second = PublicIds.NewEntityId(time);

        Assert.True(PublicIds.IsEntityId(first));
        Assert.True(string.CompareOrdinal(first, second) < 0);
        Assert.False(PublicIds.IsEntityId("0123456789ABCDEF01234567"));
    }
}
