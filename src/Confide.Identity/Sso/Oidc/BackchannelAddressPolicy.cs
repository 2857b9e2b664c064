using System.Net;
using System.Net.Sockets;

namespace Confide.Identity.Sso.Oidc;

/// <summary>
/// Where the SSO backchannel may connect. A workspace admin chooses the issuer URL, and the
/// server then fetches from it: without a rule, an admin could make Confide call services on
/// its own network (server-side request forgery), e.g. a cloud metadata endpoint. Loopback,
/// private, link-local, shared (CGNAT), unspecified and multicast addresses are refused unless
/// the operator lists them in <see cref="SsoOptions.AllowedPrivateNetworks"/> (an identity
/// provider on the company network). The check runs on the address actually connected to,
/// after DNS, so a name that resolves differently later (DNS rebinding) gains nothing.
/// </summary>
public sealed class BackchannelAddressPolicy(IReadOnlyList<IPNetwork> allowedPrivateNetworks)
{
    private static readonly IPNetwork[] NonPublic =
    [
        IPNetwork.Parse("0.0.0.0/8"), IPNetwork.Parse("10.0.0.0/8"), IPNetwork.Parse("100.64.0.0/10"), IPNetwork.Parse("127.0.0.0/8"),
        IPNetwork.Parse("169.254.0.0/16"), IPNetwork.Parse("172.16.0.0/12"), IPNetwork.Parse("192.0.0.0/24"), IPNetwork.Parse("192.168.0.0/16"),
        IPNetwork.Parse("198.18.0.0/15"), IPNetwork.Parse("224.0.0.0/3"),
        IPNetwork.Parse("::/128"), IPNetwork.Parse("::1/128"), IPNetwork.Parse("fc00::/7"), IPNetwork.Parse("fe80::/10"), IPNetwork.Parse("ff00::/8"),
    ];

    public bool Allows(IPAddress address)
    {
        var candidate = address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;
        return !NonPublic.Any(n => n.Contains(candidate)) || allowedPrivateNetworks.Any(n => n.Contains(candidate));
    }

    /// <summary>A <see cref="SocketsHttpHandler.ConnectCallback"/> that connects only to allowed addresses.</summary>
    public async ValueTask<Stream> ConnectAsync(SocketsHttpConnectionContext context, CancellationToken ct)
    {
        var endpoint = context.DnsEndPoint;
        var addresses = IPAddress.TryParse(endpoint.Host, out var literal) ? [literal] : await Dns.GetHostAddressesAsync(endpoint.Host, ct);
        var allowed = addresses.Where(Allows).ToList();
        if (allowed.Count == 0)
        {
            throw new HttpRequestException($"The identity provider's address is on a private or local network, which Confide:Sso:AllowedPrivateNetworks does not list.");
        }

        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync([.. allowed], endpoint.Port, ct);
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }
}
