using System.Net.Http.Headers;
using System.Security.Cryptography.X509Certificates;

namespace Confide.Tests.Infrastructure;

/// <summary>HTTP clients that trust exactly one CA: the server's own local CA, as a real client configured with ca.pem would.</summary>
internal static class LocalCaClient
{
    public static HttpClient Create(X509Certificate2 ca, Uri baseAddress, string? token, System.Net.CookieContainer? cookies = null)
    {
        var handler = new SocketsHttpHandler();
        if (cookies is not null)
        {
            // A browser: keeps cookies, and lets the test see each redirect.
            handler.CookieContainer = cookies;
            handler.AllowAutoRedirect = false;
        }

        handler.SslOptions.RemoteCertificateValidationCallback = (_, certificate, _, _) => IsTrusted(ca, certificate);
        var client = new HttpClient(handler) { BaseAddress = baseAddress };
        if (token is not null)
        {
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        client.DefaultRequestHeaders.Add("Intercom-Version", "2.14");
        return client;
    }

    /// <summary>Whether <paramref name="certificate"/> chains to the server's local CA, and only to it.</summary>
    public static bool IsTrusted(X509Certificate2 ca, X509Certificate? certificate)
    {
        if (certificate is null)
        {
            return false;
        }

        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(ca);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        using var presented = new X509Certificate2(certificate);
        return chain.Build(presented);
    }
}
