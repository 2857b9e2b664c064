using System.Security.Cryptography;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Http;

namespace Confide.Identity.Sso.Saml;

/// <summary>
/// Ties a SAML response to the browser that asked for it: the AuthnRequest's ID, kept in a cookie
/// protected with Data Protection under a purpose naming the workspace (a cookie minted for one
/// workspace does not open at another's ACS) and valid for 10 minutes. The ACS takes the ID out
/// and deletes the cookie, so one request is answered at most once per browser. Because only
/// this browser holds the ID, it is also what defends the ACS against cross-site request forgery
/// (a login CSRF would need a response to a request the victim's browser started).
/// </summary>
public sealed class SamlCorrelationCookie(IDataProtectionProvider dataProtection, TimeProvider time)
{
    public const string Name = "confide_saml_correlation";

    public static readonly TimeSpan Lifetime = TimeSpan.FromMinutes(10);

    private const string Purpose = "Confide.Sso.SamlCorrelation.v1";

    public void Write(HttpContext http, string workspaceId, string requestId)
    {
        var value = Protector(workspaceId).Protect(workspaceId + "\n" + requestId, Lifetime);
        http.Response.Cookies.Append(Name, value, Options(workspaceId, time.GetUtcNow() + Lifetime));
    }

    /// <summary>The request ID this browser is waiting an answer for, or null; the cookie is deleted either way.</summary>
    public string? Take(HttpContext http, string workspaceId)
    {
        if (!http.Request.Cookies.TryGetValue(Name, out var value) || string.IsNullOrEmpty(value))
        {
            return null;
        }

        http.Response.Cookies.Delete(Name, Options(workspaceId, expires: null));
        try
        {
            var parts = Protector(workspaceId).Unprotect(value).Split('\n');
            return parts.Length == 2 && parts[0] == workspaceId && parts[1].Length > 0 ? parts[1] : null;
        }
        catch (CryptographicException)
        {
            // Tampered with, expired, minted for another workspace, or from a key no longer in the ring.
            return null;
        }
    }

    /// <summary>
    /// The IdP sends the browser back with an auto-submitting form: a cross-site, top-level POST.
    /// Browsers send SameSite=Lax (and Strict) cookies only on cross-site GET navigations, so this
    /// cookie must be SameSite=None to reach the ACS at all; browsers accept None only with Secure.
    /// HttpOnly keeps it from scripts; the path limits it to this workspace's SAML endpoints.
    /// </summary>
    private static CookieOptions Options(string workspaceId, DateTimeOffset? expires) => new()
    {
        HttpOnly = true,
        Secure = true,
        SameSite = SameSiteMode.None,
        Path = SsoServiceProviderUrls.BasePath(workspaceId) + "/saml",
        Expires = expires,
        IsEssential = true,
    };

    private ITimeLimitedDataProtector Protector(string workspaceId) =>
        dataProtection.CreateProtector(Purpose, workspaceId).ToTimeLimitedDataProtector();
}
