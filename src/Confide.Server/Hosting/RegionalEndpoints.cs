using Confide.Platform;

namespace Confide.Server.Hosting;

/// <summary>
/// Which local port serves which region, and the public URL of each region. In the embedded
/// mode every region has its own HTTPS port; a process that serves one region answers for it
/// on every port it listens on.
/// </summary>
public sealed class RegionalEndpoints
{
    private readonly Dictionary<int, Region> _byPort;
    private readonly Dictionary<int, Region> _byHttpPort;
    private readonly Dictionary<Region, string> _publicUrls;
    private readonly Region? _single;
    private readonly string _listenAddress;

    public RegionalEndpoints(ConfideOptions options)
    {
        var served = options.ServedRegions();
        _byPort = served.ToDictionary(r => options.For(r).Port ?? RegionSettings.DefaultPort(r));
        _byHttpPort = served.Where(r => options.For(r).HttpPort is not null).ToDictionary(r => options.For(r).HttpPort!.Value);
        if (_byHttpPort.Keys.Intersect(_byPort.Keys).Any())
        {
            throw new InvalidOperationException("Confide:Regions:<region>:HttpPort must differ from every HTTPS port.");
        }

        _single = served.Count == 1 ? served[0] : null;
        _listenAddress = options.ListenAddress is "localhost" or "any" || System.Net.IPAddress.TryParse(options.ListenAddress, out _)
            ? options.ListenAddress
            : throw new InvalidOperationException("Confide:ListenAddress must be 'localhost', 'any' or an IP address.");
        _publicUrls = Region.All.ToDictionary(r => r, options.PublicUrl);
    }

    public IReadOnlyDictionary<int, Region> Ports => _byPort;

    public Region? RegionForPort(int port) => _single ?? (_byPort.TryGetValue(port, out var region) ? region : null);

    public string PublicUrl(Region region) => _publicUrls[region];

    /// <summary>The region whose plain-HTTP redirect port <paramref name="port"/> is, if it is one.</summary>
    public Region? RedirectRegionForPort(int port) => _byHttpPort.TryGetValue(port, out var region) ? region : null;

    /// <summary>Binds one HTTPS listener per served region, and the optional plain-HTTP redirect ports (unless URLs were configured explicitly).</summary>
    public void Listen(WebApplicationBuilder builder, Func<ServerCertificateSource> certificates, long maxRequestBodyBytes)
    {
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Limits.MaxRequestBodySize = maxRequestBodyBytes;
            RequestSizeLimits.ConfigureKestrel(kestrel.Limits);
            kestrel.ConfigureHttpsDefaults(https =>
            {
                var source = certificates();
                https.ServerCertificate = source.Initial;
                https.SslProtocols = TlsPolicy.Protocols;
                https.OnAuthenticate = (_, ssl) =>
                {
                    TlsPolicy.Apply(ssl);
                    // The current certificate and chain: a replaced certificate file takes effect without a restart.
                    ssl.ServerCertificateContext = source.Current;
                };
            });
            if (builder.Configuration["urls"] is { Length: > 0 } || builder.Configuration["ASPNETCORE_URLS"] is { Length: > 0 })
            {
                return;
            }

            foreach (var port in _byPort.Keys)
            {
                Bind(kestrel, port, listen => listen.UseHttps());
            }

            // Plain HTTP only where configured, and only for the redirect (HttpToHttpsRedirect).
            foreach (var port in _byHttpPort.Keys)
            {
                Bind(kestrel, port, _ => { });
            }
        });
    }

    private void Bind(Microsoft.AspNetCore.Server.Kestrel.Core.KestrelServerOptions kestrel, int port, Action<Microsoft.AspNetCore.Server.Kestrel.Core.ListenOptions> configure)
    {
        switch (_listenAddress)
        {
            case "localhost":
                kestrel.ListenLocalhost(port, configure);
                break;
            case "any":
                kestrel.ListenAnyIP(port, configure);
                break;
            default:
                kestrel.Listen(System.Net.IPAddress.Parse(_listenAddress), port, configure);
                break;
        }
    }
}
