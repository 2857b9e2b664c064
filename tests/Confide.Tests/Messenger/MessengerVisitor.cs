using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Confide.Platform;
using Confide.Tests.Infrastructure;

namespace Confide.Tests.Messenger;

/// <summary>
/// One browser talking to the messenger API as the frame does: its own cookie jar (the visitor
/// id), the session from <c>boot</c> sent in its header.
/// </summary>
internal sealed class MessengerVisitor : IDisposable
{
    private readonly HttpClient _http;
    private readonly string _appId;

    public MessengerVisitor(TestServer server, Region region, string appId)
    {
        Cookies = new CookieContainer();
        _http = server.Browser(region, Cookies);
        _appId = appId;
    }

    public CookieContainer Cookies { get; }

    public string? Session { get; set; }

    public HttpClient Http => _http;

    /// <summary>Boots with <paramref name="identity"/> (snake_case fields) and keeps the session; returns the raw response.</summary>
    public async Task<HttpResponseMessage> BootAsync(object? identity = null)
    {
        var response = await _http.PostAsJsonAsync($"messenger/v1/boot?app_id={_appId}", identity ?? new { });
        if (response.IsSuccessStatusCode)
        {
            Session = (await response.Content.ReadFromJsonAsync<JsonElement>()).Str("session");
        }

        return response;
    }

    public async Task<JsonElement> BootOkAsync(object? identity = null) => await (await BootAsync(identity)).JsonAsync();

    public Task<HttpResponseMessage> GetAsync(string path) => SendAsync(HttpMethod.Get, path, null);

    public Task<HttpResponseMessage> PostAsync(string path, object? body = null) => SendAsync(HttpMethod.Post, path, body);

    public async Task<JsonElement> ListAsync() => await (await GetAsync("conversations")).JsonAsync();

    /// <summary>Starts a conversation; returns its id.</summary>
    public async Task<string> StartAsync(string body) => (await (await PostAsync("conversations", new { body })).JsonAsync()).Str("id");

    public async Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, object? body)
    {
        using var request = new HttpRequestMessage(method, "messenger/v1/" + path);
        if (Session is not null)
        {
            request.Headers.Add("Confide-Messenger-Session", Session);
        }

        if (body is not null)
        {
            request.Content = JsonContent.Create(body);
        }

        return await _http.SendAsync(request);
    }

    public void Dispose() => _http.Dispose();
}
