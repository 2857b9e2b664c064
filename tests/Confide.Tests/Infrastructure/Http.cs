using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

namespace Confide.Tests.Infrastructure;

internal static class Http
{
    public static async Task<JsonElement> JsonAsync(this HttpResponseMessage response, HttpStatusCode expected = HttpStatusCode.OK)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == expected, $"Expected {(int)expected}, got {(int)response.StatusCode}: {text}");
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    public static Task<HttpResponseMessage> PostJsonAsync(this HttpClient client, string path, object body) =>
        client.PostAsJsonAsync(path, body);

    public static Task<HttpResponseMessage> PostRawAsync(this HttpClient client, string path, string body, string contentType = "application/json") =>
        client.PostAsync(path, new StringContent(body, Encoding.UTF8, contentType));

    /// <summary>Asserts an Intercom error body with the given status and code.</summary>
    public static async Task<JsonElement> ErrorAsync(this HttpResponseMessage response, HttpStatusCode status, string code)
    {
        var json = await response.JsonAsync(status);
        Assert.Equal("error.list", json.GetProperty("type").GetString());
        Assert.Equal(code, json.GetProperty("errors")[0].GetProperty("code").GetString());
        return json;
    }

    public static string Str(this JsonElement element, string property) => element.GetProperty(property).GetString()!;
}
