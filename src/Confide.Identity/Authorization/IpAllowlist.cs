using System.Net;
using Confide.Platform;

namespace Confide.Identity.Authorization;

/// <summary>A workspace's allowed client address ranges (CIDR, IPv4 and IPv6); an empty list allows every address.</summary>
public static class IpAllowlist
{
    public const int MaxRanges = 100;

    /// <summary>Validates and normalises ranges given by an admin; a bad one is a 400 naming it.</summary>
    public static string? Normalise(IReadOnlyList<string> ranges)
    {
        if (ranges.Count > MaxRanges)
        {
            throw new ConfideException(ConfideError.ParameterInvalid($"ip_allowlist can hold at most {MaxRanges} ranges"));
        }

        var networks = new List<string>(ranges.Count);
        foreach (var range in ranges)
        {
            var text = range.Trim();
            if (!IPNetwork.TryParse(text.Contains('/', StringComparison.Ordinal) ? text : text + (text.Contains(':', StringComparison.Ordinal) ? "/128" : "/32"), out var network))
            {
                throw new ConfideException(ConfideError.ParameterInvalid($"ip_allowlist: '{text}' is not an IP address or CIDR range"));
            }

            networks.Add(network.ToString());
        }

        return networks.Count == 0 ? null : string.Join(' ', networks.Distinct(StringComparer.Ordinal));
    }

    public static IReadOnlyList<string> Ranges(string? stored) =>
        stored is null ? [] : stored.Split(' ', StringSplitOptions.RemoveEmptyEntries);

    /// <summary>Whether <paramref name="address"/> may use a workspace with this stored list.</summary>
    public static bool Allows(string? stored, IPAddress? address)
    {
        if (string.IsNullOrEmpty(stored))
        {
            return true;
        }

        if (address is null)
        {
            return false;
        }

        // Dual-stack sockets report IPv4 clients as ::ffff:a.b.c.d.
        var client = address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;
        return Ranges(stored).Any(range => IPNetwork.TryParse(range, out var network) && network.Contains(client));
    }
}
