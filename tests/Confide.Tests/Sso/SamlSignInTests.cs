using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Xml;
using Confide.Data.Model;
using Confide.Identity;
using Confide.Identity.Sso.Saml;
using Confide.Platform;
using Confide.Tests.Infrastructure;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using static Confide.Tests.Sso.SamlResponseForge;

using static Confide.Tests.Sso.SsoTestHelpers;

namespace Confide.Tests.Sso;

/// <summary>
/// SAML 2.0 sign-in end to end against a real IdP (SimpleSAMLphp, over HTTPS), through Confide's
/// real endpoints, on SQLite and PostgreSQL: sessions, provisioning, correlation, replay, and
/// forged responses refused at the ACS (the full corpus is in SamlResponseValidatorTests).
/// </summary>
public sealed class SamlSignInTests(SamlServers servers) : IClassFixture<SamlServers>
{
    private const string Domain = "acme.test";

    [Theory, MemberData(nameof(Providers.All), MemberType = typeof(Providers))]
    public async Task SignIn_ExistingTeammate_StartsAnSsoSessionOfThatWorkspace_AndRecordsIt(string provider)
    {
        var (server, idp, workspace, connection) = await WorkspaceWithSamlAsync(provider);
        var user = NewUser(idp);
        var teammateId = await AddTeammateAsync(workspace, user.Email, "agent");
        using var browser = new SsoBrowser(server, idp.Trusts);

        var authnRequest = await browser.StartAsync(workspace.Id);
        Assert.Equal(new Uri(idp.BaseUrl, "saml2/idp/SSOService.php").AbsoluteUri, authnRequest.GetLeftPart(UriPartial.Path));
        Assert.Contains("SAMLRequest=", authnRequest.Query, StringComparison.Ordinal);
        var posted = await idp.LogInAsync(browser.Http, authnRequest, user.Username);
        Assert.Equal(connection.Str("acs_url"), posted.Action.AbsoluteUri);

        var landed = await browser.PostSamlResponseAsync(posted.Action, posted.SamlResponse, posted.RelayState);
        Assert.Equal($"/app/inbox?workspace={workspace.Id}", landed);
        await browser.Http.HtmlAsync(landed.TrimStart('/'));

        var session = Session(server, browser);
        Assert.Equal(SignInMethods.Sso, SessionClaims.MethodOf(session));
        Assert.Equal(workspace.Id, session.FindFirst(SessionClaims.SsoWorkspace)?.Value);
        var signIn = (await ActivityAsync(workspace)).Single(e => e.Str("activity_type") == "admin_login_success");
        Assert.Equal(teammateId, signIn.GetProperty("performed_by").Str("id"));
        Assert.Equal("sso", signIn.GetProperty("metadata").Str("sign_in_method"));
        Assert.Equal("saml", signIn.GetProperty("metadata").Str("protocol"));
    }

    [Theory, MemberData(nameof(Providers.All), MemberType = typeof(Providers))]
    public async Task Start_SetsTheCorrelationCookie_ForTheIdpsCrossSitePost_AndOnlyForThisWorkspacesSamlPaths(string provider)
    {
        var (server, idp, workspace, _) = await WorkspaceWithSamlAsync(provider);
        using var browser = new SsoBrowser(server, idp.Trusts);

        using var response = await browser.Http.GetAsync($"app/sso/{workspace.Id}/start");
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        var cookie = Assert.Single(response.Headers.GetValues("Set-Cookie"), c => c.StartsWith(SamlCorrelationCookie.Name + "=", StringComparison.Ordinal));
        var attributes = cookie.Split(';', StringSplitOptions.TrimEntries).Skip(1).Select(a => a.ToLowerInvariant()).ToList();
        Assert.Contains("samesite=none", attributes);
        Assert.Contains("secure", attributes);
        Assert.Contains("httponly", attributes);
        Assert.Contains($"path=/app/sso/{workspace.Id.ToLowerInvariant()}/saml", attributes);
        Assert.Contains(attributes, a => a.StartsWith("expires=", StringComparison.Ordinal));
    }

    [Theory, MemberData(nameof(Providers.All), MemberType = typeof(Providers))]
    public async Task SameResponsePostedAgain_IsRefused_AsCorrelationMissing_AndWithTheCapturedCookie_AsReplayed(string provider)
    {
        var (server, idp, workspace, _) = await WorkspaceWithSamlAsync(provider);
        var user = NewUser(idp);
        await AddTeammateAsync(workspace, user.Email, "agent");
        using var browser = new SsoBrowser(server, idp.Trusts);
        var posted = await idp.LogInAsync(browser.Http, await browser.StartAsync(workspace.Id), user.Username);
        var cookiesBefore = browser.Cookies.GetAllCookies();

        Assert.Equal($"/app/inbox?workspace={workspace.Id}", await browser.PostSamlResponseAsync(posted.Action, posted.SamlResponse));
        // The same browser again: its correlation cookie was spent.
        Assert.Equal("/app/sso/error?reason=correlation_missing", await browser.PostSamlResponseAsync(posted.Action, posted.SamlResponse));

        // Someone who captured both the response and the correlation cookie: the assertion was used.
        using var replayer = new SsoBrowser(server, idp.Trusts);
        replayer.Cookies.Add(cookiesBefore);
        Assert.Equal("/app/sso/error?reason=replayed", await replayer.PostSamlResponseAsync(posted.Action, posted.SamlResponse));
        await AssertNoSessionAsync(replayer);

        await using var db = server.Cell(Region.Eu).CreateReadContext();
        var connectionId = (await db.SsoConnections.SingleAsync(c => c.WorkspaceId == workspace.Id)).Id;
        var assertionId = new SamlResponseForge(posted.SamlResponse).Assertion.GetAttribute("ID");
        var consumed = await db.SsoConsumedAssertions.SingleAsync(a => a.WorkspaceId == workspace.Id);
        Assert.Equal(SamlReplayGuard.KeyOf(connectionId, assertionId), consumed.Id);
        Assert.True(consumed.ExpiresAt > DateTimeOffset.UtcNow);
    }

    [Theory, MemberData(nameof(Providers.All), MemberType = typeof(Providers))]
    public async Task ResponseToAnotherBrowsersRequest_IsRefused(string provider)
    {
        var (server, idp, workspace, _) = await WorkspaceWithSamlAsync(provider);
        var user = NewUser(idp);
        await AddTeammateAsync(workspace, user.Email, "agent");
        using var attacker = new SsoBrowser(server, idp.Trusts);
        var posted = await idp.LogInAsync(attacker.Http, await attacker.StartAsync(workspace.Id), user.Username);

        // A victim who never started a sign-in (login CSRF with the attacker's own response).
        using var victim = new SsoBrowser(server, idp.Trusts);
        Assert.Equal("/app/sso/error?reason=correlation_missing", await victim.PostSamlResponseAsync(posted.Action, posted.SamlResponse));
        await AssertNoSessionAsync(victim);

        // A victim who did start one: the response answers another request.
        await victim.StartAsync(workspace.Id);
        Assert.Equal("/app/sso/error?reason=saml_invalid", await victim.PostSamlResponseAsync(posted.Action, posted.SamlResponse));
        await AssertNoSessionAsync(victim);
        AssertLogged(workspace, SamlFailure.WrongInResponseTo);
    }

    [Theory, MemberData(nameof(Providers.All), MemberType = typeof(Providers))]
    public async Task ForgedResponses_AreRefusedAtTheAcs_ForTheReasonTheyAreForged(string provider)
    {
        var (server, idp, workspace, _) = await WorkspaceWithSamlAsync(provider);
        var user = NewUser(idp);
        await AddTeammateAsync(workspace, user.Email, "agent");
        using var other = OtherCertificate();
        var past = DateTimeOffset.UtcNow.AddMinutes(-10).UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", System.Globalization.CultureInfo.InvariantCulture);
        var forgeries = new (SamlFailure Reason, Func<SamlResponseForge, SamlResponseForge> Forge)[]
        {
            (SamlFailure.Expired, f =>
            {
                f.Element(Saml, "Conditions").SetAttribute("NotOnOrAfter", past);
                return f.Resign(idp.Certificate);
            }),
            (SamlFailure.WrongAudience, f =>
            {
                f.Element(Saml, "Audience").InnerText = "https://other-sp.example/saml";
                return f.Resign(idp.Certificate);
            }),
            (SamlFailure.WrongRecipient, f =>
            {
                f.Element(Saml, "SubjectConfirmationData").SetAttribute("Recipient", "https://other-sp.example/acs");
                return f.Resign(idp.Certificate);
            }),
            (SamlFailure.NotSigned, f => f.RemoveSignatures()),
            (SamlFailure.UntrustedCertificate, f => f.Resign(other)),
            // A genuine signature, but over another element (the Response) than the Assertion it is moved into.
            (SamlFailure.SignatureWrapping, f =>
            {
                f.RemoveAssertionSignature();
                var signature = SignatureOf(f.Response)!;
                f.Response.RemoveChild(signature);
                f.Assertion.InsertAfter(signature, f.Assertion.FirstChild);
                return f;
            }),
        };

        using var browser = new SsoBrowser(server, idp.Trusts);
        foreach (var (reason, forge) in forgeries)
        {
            // Each from a genuine sign-in of this browser (the IdP remembers it after the first),
            // so only the forgery is wrong: correlation, request and timing are right.
            var posted = await idp.LogInAsync(browser.Http, await browser.StartAsync(workspace.Id), user.Username);
            var forged = forge(new SamlResponseForge(posted.SamlResponse)).Encode();

            Assert.Equal("/app/sso/error?reason=saml_invalid", await browser.PostSamlResponseAsync(posted.Action, forged));
            AssertLogged(workspace, reason);
        }

        await AssertNoSessionAsync(browser);
        Assert.DoesNotContain(await ActivityAsync(workspace), e => e.Str("activity_type") == "admin_login_success");
    }

    [Theory, MemberData(nameof(Providers.All), MemberType = typeof(Providers))]
    public async Task JustInTimeProvisioning_NewPerson_JoinsThroughTheMailedLink_WithTheDefaultRole(string provider)
    {
        var (server, idp, workspace, _) = await WorkspaceWithSamlAsync(provider, justInTime: true, defaultRole: "viewer");
        var user = NewUser(idp);
        using var browser = new SsoBrowser(server, idp.Trusts);

        Assert.Equal("/app/sso/error?reason=invitation_pending", await SignInAsync(browser, idp, workspace, user.Username));
        Assert.True(await server.JoinIfNewAsync(Region.Eu, user.Email));
        using var joined = new SsoBrowser(server, idp.Trusts);
        Assert.Equal($"/app/inbox?workspace={workspace.Id}", await SignInAsync(joined, idp, workspace, user.Username));

        await using var db = server.Cell(Region.Eu).CreateReadContext();
        var normalized = user.Email.ToUpperInvariant();
        var account = await db.Users.SingleAsync(u => u.NormalizedEmail == normalized);
        var teammate = await db.Teammates.SingleAsync(t => t.WorkspaceId == workspace.Id && t.AccountId == account.Id);
        Assert.Equal("viewer", teammate.Role);
        var entries = await ActivityAsync(workspace);
        Assert.Contains(entries, e => e.Str("activity_type") == "app_admin_join" && e.GetProperty("metadata").Str("role") == "viewer");
        Assert.Contains(entries, e => e.Str("activity_type") == "admin_login_success" && e.GetProperty("performed_by").Str("id") == teammate.Id);
    }

    [Theory, MemberData(nameof(Providers.All), MemberType = typeof(Providers))]
    public async Task EmailOfADomainTheConnectionDoesNotAllow_IsRefused_EvenWithJustInTime(string provider)
    {
        var (server, idp, workspace, _) = await WorkspaceWithSamlAsync(provider, justInTime: true);
        var user = NewUser(idp, "elsewhere.test");
        using var browser = new SsoBrowser(server, idp.Trusts);

        Assert.Equal("/app/sso/error?reason=domain_not_allowed", await SignInAsync(browser, idp, workspace, user.Username));
        await AssertNoSessionAsync(browser);
        await using var db = server.Cell(Region.Eu).CreateReadContext();
        Assert.Equal(1, await db.Teammates.CountAsync(t => t.WorkspaceId == workspace.Id));
    }

    [Theory, MemberData(nameof(Providers.All), MemberType = typeof(Providers))]
    public async Task EmailAttributeAbsent_FallsBackToTheNameId_WhenItsFormatIsEmailAddress(string provider)
    {
        // SimpleSAMLphp sends no "mail" attribute; its NameID is the email, in the emailAddress format.
        var (server, idp, workspace, _) = await WorkspaceWithSamlAsync(provider, emailAttribute: "mail");
        var user = NewUser(idp);
        await AddTeammateAsync(workspace, user.Email, "agent");
        using var browser = new SsoBrowser(server, idp.Trusts);

        Assert.Equal($"/app/inbox?workspace={workspace.Id}", await SignInAsync(browser, idp, workspace, user.Username));
    }

    [Theory, MemberData(nameof(Providers.All), MemberType = typeof(Providers))]
    public async Task SpEntityId_ResolvesToTheServiceProviderMetadata_AlsoBeforeAConnectionExists(string provider)
    {
        var (server, idp) = await servers.GetAsync(provider);
        var workspace = await server.CreateWorkspaceAsync(Region.Eu);
        using var owner = workspace.Client();
        var view = await (await owner.GetAsync("confide/sso_connection")).JsonAsync();
        using var browser = new SsoBrowser(server, idp.Trusts);

        using var response = await browser.Http.GetAsync(view.Str("sp_entity_id"));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/samlmetadata+xml", response.Content.Headers.ContentType?.MediaType);
        var metadata = new XmlDocument();
        metadata.LoadXml(await response.Content.ReadAsStringAsync());
        var root = metadata.DocumentElement!;
        Assert.Equal(view.Str("sp_entity_id"), root.GetAttribute("entityID"));
        var acs = (XmlElement)root.GetElementsByTagName("AssertionConsumerService", "urn:oasis:names:tc:SAML:2.0:metadata")[0]!;
        Assert.Equal(view.Str("acs_url"), acs.GetAttribute("Location"));

        using var unknown = await browser.Http.GetAsync($"app/sso/{workspace.Id[..^4]}zzzz/saml/metadata");
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
    }

    private sealed record IdpUser(string Username, string Email, string Name);

    private static IdpUser NewUser(SimpleSamlPhpIdp idp, string domain = Domain)
    {
        var id = Guid.NewGuid().ToString("N");
        var user = new IdpUser("u" + id, $"p-{id}@{domain}", "Pat " + id[..6]);
        idp.AddUser(user.Username, user.Email, user.Name);
        return user;
    }

    private static async Task<string> SignInAsync(SsoBrowser browser, SimpleSamlPhpIdp idp, TestWorkspace workspace, string username)
    {
        var posted = await idp.LogInAsync(browser.Http, await browser.StartAsync(workspace.Id), username);
        return await browser.PostSamlResponseAsync(posted.Action, posted.SamlResponse, posted.RelayState);
    }

    /// <summary>A workspace whose connection is SimpleSAMLphp, configured as an administrator would: its entity id, SSO URL and certificate.</summary>
    private async Task<(TestServer Server, SimpleSamlPhpIdp Idp, TestWorkspace Workspace, JsonElement Connection)> WorkspaceWithSamlAsync(
        string provider, bool justInTime = false, string defaultRole = "agent", string? emailAttribute = null)
    {
        var (server, idp) = await servers.GetAsync(provider);
        var workspace = await server.CreateWorkspaceAsync(Region.Eu);
        using var owner = workspace.Client();
        var before = await (await owner.GetAsync("confide/sso_connection")).JsonAsync();
        idp.AddServiceProvider(new SamlServiceProvider(before.Str("sp_entity_id"), new Uri(before.Str("acs_url"))));
        var idpMetadata = SamlMetadata.ParseIdentityProvider(idp.MetadataXml);
        var input = new Dictionary<string, object>
        {
            ["protocol"] = "saml",
            ["idp_entity_id"] = idpMetadata.EntityId,
            ["sso_url"] = idpMetadata.SingleSignOnUrl.AbsoluteUri,
            ["signing_certificates"] = new[] { idp.Certificate.ExportCertificatePem() },
            ["just_in_time_provisioning"] = justInTime,
            ["default_role"] = defaultRole,
            ["allowed_email_domains"] = new[] { Domain },
        };
        if (emailAttribute is not null)
        {
            input["email_attribute"] = emailAttribute;
        }

        var saved = await (await owner.PutAsJsonAsync("confide/sso_connection", input)).JsonAsync();
        Assert.Equal("saml", saved.Str("protocol"));
        return (server, idp, workspace, saved);
    }

    private void AssertLogged(TestWorkspace workspace, SamlFailure reason) =>
        Assert.Contains(servers.Logs.Lines, line => line.Contains(workspace.Id, StringComparison.Ordinal) && line.Contains($"({reason})", StringComparison.Ordinal));
}
