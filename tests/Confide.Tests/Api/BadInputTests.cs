using System.Net;
using System.Text;
using Confide.Platform;
using Confide.Tests.Infrastructure;

namespace Confide.Tests.Api;

public sealed class BadInputTests(Servers servers)
{
    public static TheoryData<string, string> MalformedBodies => new()
    {
        { "contacts", "{\"email\":" },
        { "contacts", "not json" },
        { "contacts", "{\"email\": 42}" },
        { "contacts", "{\"signed_up_at\": \"tomorrow\"}" },
        { "contacts", "{\"email\": \"y10k@example.com\", \"signed_up_at\": 253402300800}" },
        { "contacts", "{\"email\": \"y0@example.com\", \"last_seen_at\": -62135596801}" },
        { "contacts", "[]" },
        { "contacts", "{\"custom_attributes\": {\"nested\": {\"a\": 1}}}" },
        { "contacts", "{\"custom_attributes\": [1,2]}" },
        { "contacts", "{\"role\": \"admin\"}" },
        { "contacts", "{\"email\": \"not-an-email\"}" },
        { "contacts", "{}" },
        { "conversations", "{\"from\": \"me\"}" },
        { "conversations", "{\"body\": \"no sender\"}" },
        { "tags", "{\"name\": 7}" },
        { "contacts/search", "{\"query\": \"email\"}" },
        // Lone surrogates: valid JSON escapes that no string can hold, in values and in names.
        { "contacts", "{\"email\": \"\\ud800@example.com\"}" },
        { "contacts", "{\"\\ud800\": 1}" },
        { "contacts", "{\"custom_attributes\": {\"plan\": \"\\udc00\"}}" },
        { "contacts", "{\"custom_attributes\": {\"\\ud800\": \"pro\"}}" },
        { "contacts/search", "{\"query\": {\"field\": \"email\", \"operator\": \"=\", \"value\": \"\\ud800\"}}" },
        { "contacts/search", "{\"query\": {\"\\ud800\": \"email\"}}" },
        { "conversations/search", "{\"query\": \"open\"}" },
        { "conversations/search", "{\"query\": {\"field\": \"open\", \"operator\": \"=\", \"value\": true, \"value\": false}}" },
        { "tags", "{\"name\": \"\\ud800\"}" },
    };

    [Theory, MemberData(nameof(MalformedBodies))]
    public async Task MalformedOrWronglyTypedBody_Gives400AndWritesNothing(string path, string body)
    {
        var workspace = await (await servers.GetAsync(Providers.Sqlite)).CreateWorkspaceAsync(Region.Eu);
        using var client = workspace.Client();

        var response = await client.PostRawAsync(path, body);

        var json = await response.JsonAsync(HttpStatusCode.BadRequest);
        Assert.Equal("error.list", json.Str("type"));
        Assert.StartsWith("parameter_", json.GetProperty("errors")[0].Str("code"), StringComparison.Ordinal);
        Assert.Equal(0, (await (await client.GetAsync("contacts")).JsonAsync()).GetProperty("total_count").GetInt32());
    }

    [Theory, MemberData(nameof(Providers.All), MemberType = typeof(Providers))]
    public async Task OversizeBody_Gives413WithIntercomError(string provider)
    {
        var workspace = await (await servers.GetAsync(provider)).CreateWorkspaceAsync(Region.Eu);
        using var client = workspace.Client();
        var huge = "{\"name\":\"" + new string('x', 1024 * 1024 + 10) + "\"}";

        // Expect: 100-continue lets the server refuse before the client streams the whole body,
        // as real clients do; otherwise the refusal can race the upload and break the pipe.
        using var request = new HttpRequestMessage(HttpMethod.Post, "contacts") { Content = new StringContent(huge, Encoding.UTF8, "application/json") };
        request.Headers.ExpectContinue = true;
        var response = await client.SendAsync(request);

        await response.ErrorAsync(HttpStatusCode.RequestEntityTooLarge, "request_too_large");
        Assert.Equal(0, (await (await client.GetAsync("contacts")).JsonAsync()).GetProperty("total_count").GetInt32());
    }

    [Fact]
    public async Task UnknownIdsRoutesAndTokens_GiveIntercomErrors()
    {
        var server = await servers.GetAsync(Providers.Sqlite);
        var workspace = await server.CreateWorkspaceAsync(Region.Eu);
        using var client = workspace.Client();

        await (await client.GetAsync("contacts/0123456789abcdef01234567")).ErrorAsync(HttpStatusCode.NotFound, "not_found");
        await (await client.GetAsync("contacts/%27%20OR%201=1--")).ErrorAsync(HttpStatusCode.NotFound, "not_found");
        // Kestrel itself refuses a NUL in the path before any application code runs.
        Assert.Equal(HttpStatusCode.BadRequest, (await client.GetAsync("contacts/%00")).StatusCode);
        await (await client.GetAsync("conversations/nope")).ErrorAsync(HttpStatusCode.NotFound, "not_found");
        await (await client.GetAsync("no/such/route")).ErrorAsync(HttpStatusCode.NotFound, "not_found");
        await (await client.GetAsync("contacts?per_page=0")).ErrorAsync(HttpStatusCode.BadRequest, "parameter_invalid");
        await (await client.GetAsync("contacts?per_page=abc")).ErrorAsync(HttpStatusCode.BadRequest, "parameter_invalid");
        await (await client.GetAsync("contacts?starting_after=%%%")).ErrorAsync(HttpStatusCode.BadRequest, "parameter_invalid");

        using var anonymous = server.Client(Region.Eu);
        await (await anonymous.GetAsync("contacts")).ErrorAsync(HttpStatusCode.Unauthorized, "unauthorized");
        using var forged = server.Client(Region.Eu, "cfd_eu_" + new string('A', 43));
        await (await forged.GetAsync("me")).ErrorAsync(HttpStatusCode.Unauthorized, "unauthorized");
        using var garbage = server.Client(Region.Eu, "garbage");
        await (await garbage.GetAsync("me")).ErrorAsync(HttpStatusCode.Unauthorized, "unauthorized");
    }

    [Theory, MemberData(nameof(Providers.All), MemberType = typeof(Providers))]
    public async Task LoneSurrogateInMessengerSettings_Gives400AndStoresNothing(string provider)
    {
        var workspace = await (await servers.GetAsync(provider)).CreateWorkspaceAsync(Region.Eu);
        using var client = workspace.Client();

        foreach (var body in new[] { "{\"jwks\": {\"keys\": [{\"kty\": \"\\ud800\"}]}}", "{\"jwks\": {\"\\udc00\": []}}" })
        {
            using var content = new StringContent(body, Encoding.UTF8, "application/json");
            await (await client.PutAsync("confide/messenger_settings", content)).ErrorAsync(HttpStatusCode.BadRequest, "parameter_invalid");
        }

        var settings = await (await client.GetAsync("confide/messenger_settings")).JsonAsync();
        Assert.Equal(System.Text.Json.JsonValueKind.Null, settings.GetProperty("jwks").ValueKind);
    }

    [Theory, MemberData(nameof(Providers.All), MemberType = typeof(Providers))]
    public async Task NotesPageBeyondIntRange_IsAnEmptyPage(string provider)
    {
        var workspace = await (await servers.GetAsync(provider)).CreateWorkspaceAsync(Region.Eu);
        using var client = workspace.Client();
        var contactId = (await (await client.PostJsonAsync("contacts", new { email = "pages@example.com" })).JsonAsync()).Str("id");
        await (await client.PostJsonAsync($"contacts/{contactId}/notes", new { body = "Only note" })).JsonAsync();

        // (page - 1) × per_page is past int's range: the page is empty, never an error.
        var far = await (await client.GetAsync($"contacts/{contactId}/notes?page={int.MaxValue}&per_page=150")).JsonAsync();
        Assert.Empty(far.GetProperty("data").EnumerateArray());
        Assert.Equal(1, far.GetProperty("total_count").GetInt32());
        Assert.Equal(int.MaxValue, far.GetProperty("pages").GetProperty("page").GetInt32());
        var last = await (await client.GetAsync($"contacts/{contactId}/notes?page=2&per_page=1")).JsonAsync();
        Assert.Empty(last.GetProperty("data").EnumerateArray());
        Assert.Single((await (await client.GetAsync($"contacts/{contactId}/notes?page=1&per_page=1")).JsonAsync()).GetProperty("data").EnumerateArray());

        await (await client.GetAsync($"contacts/{contactId}/notes?page=99999999999")).ErrorAsync(HttpStatusCode.BadRequest, "parameter_invalid");
        await (await client.GetAsync($"contacts/{contactId}/notes?per_page={int.MaxValue}")).ErrorAsync(HttpStatusCode.BadRequest, "parameter_invalid");
        await (await client.GetAsync($"contacts/{contactId}/notes?page=0")).ErrorAsync(HttpStatusCode.BadRequest, "parameter_invalid");
    }

    [Fact]
    public async Task WrongContentType_Gives415()
    {
        var workspace = await (await servers.GetAsync(Providers.Sqlite)).CreateWorkspaceAsync(Region.Eu);
        using var client = workspace.Client();
        var response = await client.PostAsync("contacts", new StringContent("email=a@b.c", Encoding.UTF8, "application/x-www-form-urlencoded"));
        await response.ErrorAsync(HttpStatusCode.UnsupportedMediaType, "unsupported_media_type");
    }
}
