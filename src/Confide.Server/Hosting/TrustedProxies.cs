using System.Net;
using IPNetwork = System.Net.IPNetwork;
using Microsoft.AspNetCore.HttpOverrides;

namespace Confide.Server.Hosting;

/// <summary>
/// Reverse proxies whose <c>X-Forwarded-For</c> Confide believes (<c>Confide:TrustedProxies</c>,
/// addresses or CIDR ranges). Without any, the TCP peer is the client: a header anyone can send
/// must not decide an IP allowlist or a rate limit. Only the last hop is taken, and only when it
/// comes from a listed proxy.
/// </summary>
internal static class TrustedProxies
{
    public const string Section = "Confide:TrustedProxies";

    public static void UseTrustedProxies(this WebApplication app)
    {
        var configured = app.Configuration.GetSection(Section).Get<string[]>() ?? [];
        if (configured.Length == 0)
        {
            return;
        }

        var options = new ForwardedHeadersOptions { ForwardedHeaders = ForwardedHeaders.XForwardedFor, ForwardLimit = 1 };
        options.KnownProxies.Clear();
        options.KnownIPNetworks.Clear();
        foreach (var entry in configured)
        {
            options.KnownIPNetworks.Add(Parse(entry));
        }

        app.UseForwardedHeaders(options);
    }

    private static IPNetwork Parse(string entry)
    {
        var text = entry.Trim();
        if (IPNetwork.TryParse(text, out var network))
        {
            return network;
        }

        if (IPAddress.TryParse(text, out var address))
        {
            return new IPNetwork(address, address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? 32 : 128);
        }

        throw new InvalidOperationException($"{Section}: '{text}' is not an IP address or CIDR range.");
    }
}
