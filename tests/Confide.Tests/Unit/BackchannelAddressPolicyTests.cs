using System.Net;
using System.Net.Sockets;
using Confide.Identity.Sso.Oidc;

namespace Confide.Tests.Unit;

/// <summary>The SSO backchannel does not call into the server's own networks unless the operator allows it (SSRF).</summary>
public sealed class BackchannelAddressPolicyTests
{
    [Theory]
    [InlineData("127.0.0.1")]
    [InlineData("10.1.2.3")]
    [InlineData("172.20.0.5")]
    [InlineData("192.168.1.1")]
    [InlineData("169.254.169.254")]
    [InlineData("100.64.0.1")]
    [InlineData("0.0.0.0")]
    [InlineData("::1")]
    [InlineData("fe80::1")]
    [InlineData("fd00::1")]
    [InlineData("::ffff:127.0.0.1")]
    [InlineData("::ffff:169.254.169.254")]
    public void PrivateAndLocalAddresses_AreRefusedByDefault(string address) =>
        Assert.False(new BackchannelAddressPolicy([]).Allows(IPAddress.Parse(address)));

    [Theory]
    [InlineData("93.184.216.34")]
    [InlineData("2606:2800:220:1:248:1893:25c8:1946")]
    public void PublicAddresses_AreAllowed(string address) =>
        Assert.True(new BackchannelAddressPolicy([]).Allows(IPAddress.Parse(address)));

    [Fact]
    public void ListedPrivateNetworks_AreAllowed_AndOnlyThose()
    {
        var policy = new BackchannelAddressPolicy([IPNetwork.Parse("10.20.0.0/16")]);
        Assert.True(policy.Allows(IPAddress.Parse("10.20.30.40")));
        Assert.False(policy.Allows(IPAddress.Parse("10.21.0.1")));
        Assert.False(policy.Allows(IPAddress.Parse("127.0.0.1")));
    }

    [Fact]
    public async Task TheBackchannel_DoesNotConnectToALoopbackProvider_UnlessAllowed()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var url = new Uri($"http://127.0.0.1:{((IPEndPoint)listener.LocalEndpoint).Port}/.well-known/openid-configuration");

        using var refused = Client(new BackchannelAddressPolicy([]));
        var failure = await Assert.ThrowsAsync<HttpRequestException>(() => refused.GetAsync(url, TestContext.Current.CancellationToken));
        Assert.Contains("AllowedPrivateNetworks", failure.Message, StringComparison.Ordinal);
        Assert.False(listener.Pending());

        using var allowed = Client(new BackchannelAddressPolicy([IPNetwork.Parse("127.0.0.0/8")]));
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var call = allowed.GetAsync(url, timeout.Token);
        using var accepted = await listener.AcceptTcpClientAsync(TestContext.Current.CancellationToken);
        Assert.True(accepted.Connected);
        accepted.Close();
        await Assert.ThrowsAnyAsync<Exception>(() => call);
    }

    private static HttpClient Client(BackchannelAddressPolicy policy) =>
        new(new SocketsHttpHandler { ConnectCallback = policy.ConnectAsync });
}
