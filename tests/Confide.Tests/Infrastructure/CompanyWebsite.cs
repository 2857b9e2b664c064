using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Confide.Tests.Infrastructure;

/// <summary>
/// A customer's website on its own origin (plain HTTP on loopback), with Confide's messenger
/// installed by the documented one-line snippet. Each page may boot the messenger as a user:
/// the test plays the company's back end and puts the identity (and its proof) in the page.
/// </summary>
public sealed class CompanyWebsite : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentDictionary<string, string> _pages = new(StringComparer.Ordinal);

    private CompanyWebsite(WebApplication app, Uri origin)
    {
        _app = app;
        Origin = origin;
    }

    /// <summary>scheme://host:port, as the workspace's allowed origins list it.</summary>
    public Uri Origin { get; }

    public string OriginText => Origin.GetLeftPart(UriPartial.Authority);

    public static async Task<CompanyWebsite> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        CompanyWebsite? site = null;
        app.MapGet("/pages/{id}", (string id) => site!._pages.TryGetValue(id, out var html)
            ? Results.Content(html, "text/html; charset=utf-8")
            : Results.NotFound());
        await app.StartAsync();
        var address = app.Urls.Single();
        site = new CompanyWebsite(app, new Uri(address));
        return site;
    }

    /// <summary>A page with the messenger of <paramref name="appId"/> served from <paramref name="confide"/>; <paramref name="identity"/> goes into <c>window.confideSettings</c>.</summary>
    public Uri AddPage(Uri confide, string appId, object? identity = null)
    {
        var id = Guid.NewGuid().ToString("N");
        var settings = identity is null ? "" : $"<script>window.confideSettings = {JsonSerializer.Serialize(identity)};</script>";
        _pages[id] = $"""
            <!doctype html>
            <html lang="en">
            <head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>Acme Shop</title></head>
            <body>
            <h1>Acme Shop</h1>
            <p>Everything for your garden.</p>
            {settings}
            <script src="{new Uri(confide, "messenger/widget.js")}" data-app-id="{appId}" defer></script>
            </body>
            </html>
            """;
        return new Uri(Origin, $"pages/{id}");
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
