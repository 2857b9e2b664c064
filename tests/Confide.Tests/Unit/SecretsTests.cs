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

    [Fact]
    public void EntityIds_StrictlyIncrease_WithinOneMillisecondAndWhenTheClockStepsBack()
    {
        var time = new SettableClock { Now = DateTimeOffset.FromUnixTimeMilliseconds(1_900_000_000_000) };
        var ids = new List<string>();
        for (var i = 0; i < 5_000; i++)
        {
            ids.Add(PublicIds.NewEntityId(time));
        }

        time.Now = time.Now.AddSeconds(-5);
        ids.Add(PublicIds.NewEntityId(time));

        for (var i = 1; i < ids.Count; i++)
        {
            Assert.True(string.CompareOrdinal(ids[i - 1], ids[i]) < 0, $"id {i} does not sort after id {i - 1}");
        }

        Assert.All(ids, id => Assert.True(PublicIds.IsEntityId(id)));
    }

    private sealed class SettableClock : TimeProvider
    {
        public DateTimeOffset Now { get; set; }

        public override DateTimeOffset GetUtcNow() => Now;
    }
}
