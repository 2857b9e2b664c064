using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using Confide.Identity;
using Confide.Identity.Authorization;
using Confide.Platform;
using Confide.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Confide.Tests.Sso;

/// <summary><c>/confide/sso_connection</c>: validation with clear errors, the write-only client secret, SAML storage, activity entries and who may use it.</summary>
public sealed class SsoConnectionApiTests(Servers servers)
{
    private const string Secret = "s3cret-value-that-must-never-come-back";

    public static TheoryData<string, string, string> InvalidInputs => new()
    {
        { """{"issuer":"https://idp.example.com","client_id":"c","client_secret":"s"}""", "parameter_not_found", "protocol" },
        { """{"protocol":"ldap"}""", "parameter_invalid", "protocol" },
        { """{"protocol":"oidc","client_id":"c","client_secret":"s"}""", "parameter_not_found", "issuer" },
        { """{"protocol":"oidc","issuer":"http://idp.example.com","client_id":"c","client_secret":"s"}""", "parameter_invalid", "issuer" },
        { """{"protocol":"oidc","issuer":"idp.example.com","client_id":"c","client_secret":"s"}""", "parameter_invalid", "issuer" },
        { """{"protocol":"oidc","issuer":"https://idp.example.com/?x=1","client_id":"c","client_secret":"s"}""", "parameter_invalid", "issuer" },
        { """{"protocol":"oidc","issuer":"https://idp.example.com","client_secret":"s"}""", "parameter_not_found", "client_id" },
        { """{"protocol":"oidc","issuer":"https://idp.example.com","client_id":"c"}""", "parameter_not_found", "client_secret" },
        { """{"protocol":"oidc","issuer":"https://idp.example.com","client_id":"c","client_secret":"s","default_role":"owner"}""", "parameter_invalid", "default_role" },
        { """{"protocol":"oidc","issuer":"https://idp.example.com","client_id":"c","client_secret":"s","default_role":"no-such-role"}""", "parameter_invalid", "default_role" },
        { """{"protocol":"oidc","issuer":"https://idp.example.com","client_id":"c","client_secret":"s","allowed_email_domains":["not a domain"]}""", "parameter_invalid", "allowed_email_domains" },
        { """{"protocol":"oidc","issuer":"https://idp.example.com","client_id":"c","client_secret":"s","email_attribute":"has space"}""", "parameter_invalid", "email_attribute" },
        { """{"protocol":"saml","sso_url":"https://idp.example.com/sso","signing_certificates":["x"]}""", "parameter_not_found", "idp_entity_id" },
        { """{"protocol":"saml","idp_entity_id":"urn:idp","signing_certificates":["x"]}""", "parameter_not_found", "sso_url" },
        { """{"protocol":"saml","idp_entity_id":"urn:idp","sso_url":"http://idp.example.com/sso","signing_certificates":["x"]}""", "parameter_invalid", "sso_url" },
        { """{"protocol":"saml","idp_entity_id":"urn:idp","sso_url":"https://idp.example.com/sso"}""", "parameter_not_found", "signing_certificates" },
        { """{"protocol":"saml","idp_entity_id":"urn:idp","sso_url":"https://idp.example.com/sso","signing_certificates":["not a pem"]}""", "parameter_invalid", "signing_certificates" },
        { """{"protocol":"saml","idp_entity_id":"urn:idp","sso_url":"https://idp.example.com/sso","signing_certificates":["-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----"]}""", "parameter_invalid", "signing_certificates" },
    };

    [Theory, MemberData(nameof(InvalidInputs))]
    public async Task Put_InvalidInput_IsRefusedWithTheFieldNamed(string body, string code, string field)
    {
        var server = await servers.GetAsync(Providers.Sqlite);
        var workspace = await server.CreateWorkspaceAsync(Region.Eu);
        using var owner = workspace.Client();

        var error = await (await owner.PutAsync("confide/sso_connection", new StringContent(body, System.Text.Encoding.UTF8, "application/json"))).ErrorAsync(HttpStatusCode.BadRequest, code);

        Assert.Contains(field, error.GetProperty("errors")[0].Str("message"), StringComparison.Ordinal);
        Assert.False((await (await owner.GetAsync("confide/sso_connection")).JsonAsync()).GetProperty("configured").GetBoolean());
    }

    [Theory, MemberData(nameof(Providers.All), MemberType = typeof(Providers))]
    public async Task Put_SamlCertificates_ExpiredOrMoreThanTwo_AreRefused(string provider)
    {
        var server = await servers.GetAsync(provider);
        var workspace = await server.CreateWorkspaceAsync(Region.Eu);
        using var owner = workspace.Client();
        var now = DateTimeOffset.UtcNow;
        var expired = Certificate(now.AddYears(-2), now.AddDays(-1));
        var valid = Certificate(now.AddDays(-1), now.AddYears(1));

        await (await owner.PutAsJsonAsync("confide/sso_connection", Saml(expired))).ErrorAsync(HttpStatusCode.BadRequest, "parameter_invalid");
        await (await owner.PutAsJsonAsync("confide/sso_connection", Saml(valid, valid, valid))).ErrorAsync(HttpStatusCode.BadRequest, "parameter_invalid");
        await (await owner.PutAsJsonAsync("confide/sso_connection", Saml(valid + valid))).ErrorAsync(HttpStatusCode.BadRequest, "parameter_invalid");
    }

    [Theory, MemberData(nameof(Providers.All), MemberType = typeof(Providers))]
    public async Task Oidc_ClientSecret_IsStoredEncrypted_AndNeverReturned(string provider)
    {
        var server = await servers.GetAsync(provider);
        var workspace = await server.CreateWorkspaceAsync(Region.Eu);
        using var owner = workspace.Client();

        var put = await owner.PutAsJsonAsync("confide/sso_connection", Oidc("https://idp.example.com", "client-1", Secret));
        var putText = await put.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        var getText = await (await owner.GetAsync("confide/sso_connection")).Content.ReadAsStringAsync();
        foreach (var text in new[] { putText, getText })
        {
            Assert.DoesNotContain(Secret, text, StringComparison.Ordinal);
            var json = JsonDocument.Parse(text).RootElement;
            Assert.False(json.TryGetProperty("client_secret", out _));
            Assert.True(json.GetProperty("client_secret_set").GetBoolean());
            Assert.Equal("oidc", json.Str("protocol"));
            Assert.Equal("https://idp.example.com", json.Str("issuer"));
            Assert.Equal($"{server.BaseUrl(Region.Eu)}app/sso/{workspace.Id}/oidc/callback", json.Str("redirect_uri"));
            Assert.Equal("email", json.Str("email_attribute"));
            Assert.Equal("name", json.Str("name_attribute"));
            Assert.Equal(["acme.test"], json.GetProperty("allowed_email_domains").EnumerateArray().Select(d => d.GetString()));
        }

        await using (var db = server.Cell(Region.Eu).CreateReadContext())
        {
            var row = await db.SsoConnections.SingleAsync(c => c.WorkspaceId == workspace.Id);
            Assert.NotNull(row.OidcProtectedClientSecret);
            Assert.DoesNotContain(Secret, row.OidcProtectedClientSecret, StringComparison.Ordinal);
        }

        // Replacing without a secret keeps it for the same issuer and client, and asks for it otherwise.
        await (await owner.PutAsJsonAsync("confide/sso_connection", Oidc("https://idp.example.com", "client-1", null))).JsonAsync();
        await (await owner.PutAsJsonAsync("confide/sso_connection", Oidc("https://other-idp.example.com", "client-1", null)))
            .ErrorAsync(HttpStatusCode.BadRequest, "parameter_not_found");

        var entries = (await (await owner.GetAsync("admins/activity_logs?created_at_after=0")).JsonAsync()).GetProperty("activity_logs").EnumerateArray().ToList();
        Assert.Equal(2, entries.Count(e => e.Str("activity_type") == "sso_connection_change"));
        Assert.All(entries, e => Assert.DoesNotContain(Secret, e.GetRawText(), StringComparison.Ordinal));

        await (await owner.DeleteAsync("confide/sso_connection")).JsonAsync();
        await (await owner.DeleteAsync("confide/sso_connection")).ErrorAsync(HttpStatusCode.NotFound, "not_found");
        entries = (await (await owner.GetAsync("admins/activity_logs?created_at_after=0")).JsonAsync()).GetProperty("activity_logs").EnumerateArray().ToList();
        Assert.Single(entries, e => e.Str("activity_type") == "sso_connection_deletion");
    }

    [Theory, MemberData(nameof(Providers.All), MemberType = typeof(Providers))]
    public async Task Saml_IsStored_WithTheServiceProviderValues(string provider)
    {
        var server = await servers.GetAsync(provider);
        var workspace = await server.CreateWorkspaceAsync(Region.Eu);
        using var owner = workspace.Client();
        var now = DateTimeOffset.UtcNow;

        var json = await (await owner.PutAsJsonAsync("confide/sso_connection",
            Saml(Certificate(now.AddDays(-1), now.AddYears(1)), Certificate(now.AddDays(-1), now.AddYears(2))))).JsonAsync();

        Assert.Equal("saml", json.Str("protocol"));
        Assert.Equal(2, json.GetProperty("signing_certificates").GetArrayLength());
        Assert.Equal($"{server.BaseUrl(Region.Eu)}app/sso/{workspace.Id}/saml/acs", json.Str("acs_url"));
        Assert.Equal($"{server.BaseUrl(Region.Eu)}app/sso/{workspace.Id}/saml/metadata", json.Str("sp_entity_id"));
        Assert.False(json.GetProperty("client_secret_set").GetBoolean());
    }

    [Theory, MemberData(nameof(Providers.All), MemberType = typeof(Providers))]
    public async Task AgentsAndViewers_CannotReadOrChangeTheConnection(string provider)
    {
        var server = await servers.GetAsync(provider);
        var workspace = await server.CreateWorkspaceAsync(Region.Eu);
        using var owner = workspace.Client();
        foreach (var role in new[] { "agent", "viewer" })
        {
            var email = $"{role}-{Guid.NewGuid():N}@example.com";
            var teammate = (await (await owner.PostJsonAsync("confide/teammates", new { email, role })).JsonAsync()).Str("id");
            await workspace.EnsureJoinedAsync(teammate);
            await using var scope = server.Services.CreateAsyncScope();
            var caller = new ApiCaller(workspace.Id, teammate, "") { Role = role, Permissions = BuiltInRoles.PermissionsOf(role) };
            var token = await scope.ServiceProvider.GetRequiredService<ApiTokenAdministration>()
                .CreateAsync(server.Cell(Region.Eu), caller, $"{role} token", null, null, CancellationToken.None);
            using var client = server.Client(Region.Eu, token.Secret);

            await (await client.GetAsync("confide/sso_connection")).ErrorAsync(HttpStatusCode.Forbidden, "forbidden");
            await (await client.PutAsJsonAsync("confide/sso_connection", Oidc("https://idp.example.com", "c", "s"))).ErrorAsync(HttpStatusCode.Forbidden, "forbidden");
            await (await client.DeleteAsync("confide/sso_connection")).ErrorAsync(HttpStatusCode.Forbidden, "forbidden");
        }
    }

    [Theory, MemberData(nameof(Providers.All), MemberType = typeof(Providers))]
    public async Task WorkspaceRole_AsDefaultRole_CannotBeDeletedWhileTheConnectionGivesIt(string provider)
    {
        var server = await servers.GetAsync(provider);
        var workspace = await server.CreateWorkspaceAsync(Region.Eu);
        using var owner = workspace.Client();
        var role = (await (await owner.PostJsonAsync("confide/roles", new { name = "SSO people", permissions = new[] { "contacts.read" } })).JsonAsync()).Str("id");
        var connection = Oidc("https://idp.example.com", "c", "s");
        connection["default_role"] = role;

        Assert.Equal(role, (await (await owner.PutAsJsonAsync("confide/sso_connection", connection)).JsonAsync()).Str("default_role"));
        await (await owner.DeleteAsync($"confide/roles/{role}")).ErrorAsync(HttpStatusCode.Conflict, "conflict");
    }

    private static Dictionary<string, object?> Oidc(string issuer, string clientId, string? secret)
    {
        var body = new Dictionary<string, object?>
        {
            ["protocol"] = "oidc",
            ["issuer"] = issuer,
            ["client_id"] = clientId,
            ["allowed_email_domains"] = new[] { "ACME.test" },
        };
        if (secret is not null)
        {
            body["client_secret"] = secret;
        }

        return body;
    }

    private static Dictionary<string, object?> Saml(params string[] certificates) => new()
    {
        ["protocol"] = "saml",
        ["idp_entity_id"] = "https://idp.example.com/metadata",
        ["sso_url"] = "https://idp.example.com/sso",
        ["signing_certificates"] = certificates,
    };

    private static string Certificate(DateTimeOffset notBefore, DateTimeOffset notAfter)
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=Test IdP signing", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        using var certificate = request.CreateSelfSigned(notBefore, notAfter);
        return certificate.ExportCertificatePem();
    }
}
