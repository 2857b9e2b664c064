using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Text.Json;
using Confide.Platform;
using Confide.Tests.Infrastructure;
using Confide.Tests.Web;

namespace Confide.Tests.ScaleOut;

/// <summary>
/// Two Confide processes on one PostgreSQL cell behave as one service: what one does, the other
/// sees at once — live updates, sessions, revocations, rate limits, the activity log.
/// </summary>
public sealed class TwoProcessesTests
{
    [Fact]
    public async Task ReplyViaOne_ReachesTheInboxOpenOnTheOther_WithTheSessionIssuedByTheFirst()
    {
        await using var pair = await ProcessPair.StartAsync();
        var workspace = await pair.A.CreateWorkspaceAsync(Region.Eu, "Two processes", "owner@example.com");
        using var apiA = pair.A.ClientFor(Region.Eu, workspace.Str("access_token"));

        // The session cookie comes from A; the inbox stream is opened on B with it.
        var cookies = new CookieContainer();
        using var browserA = pair.A.BrowserFor(Region.Eu, cookies);
        Assert.Equal(HttpStatusCode.Redirect, (await browserA.PostPasswordAsync("owner@example.com")).StatusCode);
        using var browserB = pair.B.BrowserFor(Region.Eu, cookies);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await using var events = await EventStream.OpenAsync(browserB, workspace.Str("workspace_id"), timeout.Token);

        var contactId = (await (await apiA.PostJsonAsync("contacts", new { email = "visitor@example.com", role = "user" })).JsonAsync()).Str("id");
        var conversationId = (await (await apiA.PostJsonAsync("conversations", new { from = new { type = "user", id = contactId }, body = "Hello?" })).JsonAsync()).Str("conversation_id");
        Assert.Equal([conversationId], await events.ConversationsUntilAsync(conversationId, timeout.Token));

        var replied = Stopwatch.StartNew();
        await (await apiA.PostJsonAsync($"conversations/{conversationId}/reply", new { message_type = "comment", type = "admin", admin_id = workspace.Str("owner_id"), body = "Hi!" })).JsonAsync();
        Assert.Equal([conversationId], await events.ConversationsUntilAsync(conversationId, timeout.Token));
        // The views' fallback re-read is every 30 s: a signal this soon came through PostgreSQL.
        Assert.True(replied.Elapsed < TimeSpan.FromSeconds(3), $"the reply reached the other process after {replied.ElapsedMilliseconds} ms");
        Assert.DoesNotContain("Hi!", events.Received, StringComparison.Ordinal);

        // B reads the conversation A wrote, contact key included.
        using var apiB = pair.B.ClientFor(Region.Eu, workspace.Str("access_token"));
        var conversation = await (await apiB.GetAsync($"conversations/{conversationId}")).JsonAsync();
        Assert.Contains("Hi!", conversation.GetRawText(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task TokenRevokedOnOne_IsRefusedByTheOther_AtOnce()
    {
        await using var pair = await ProcessPair.StartAsync();
        var workspace = await pair.A.CreateWorkspaceAsync(Region.Eu, "Revocation", "owner@example.com");
        using var ownerA = pair.A.ClientFor(Region.Eu, workspace.Str("access_token"));
        var created = await (await ownerA.PostJsonAsync("confide/api_tokens", new { name = "integration" })).JsonAsync();
        using var integrationB = pair.B.ClientFor(Region.Eu, created.Str("access_token"));
        Assert.Equal(HttpStatusCode.OK, (await integrationB.GetAsync("tags")).StatusCode);

        Assert.Equal(HttpStatusCode.OK, (await ownerA.DeleteAsync($"confide/api_tokens/{created.GetProperty("token").Str("id")}")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await integrationB.GetAsync("tags")).StatusCode);
    }

    [Fact]
    public async Task RateLimit_HoldsAcrossBothProcesses()
    {
        const int burst = 20;
        await using var pair = await ProcessPair.StartAsync(server =>
        {
            server.Configure("Confide:RateLimits:TokenBurst", burst.ToString(System.Globalization.CultureInfo.InvariantCulture));
            server.Configure("Confide:RateLimits:TokenPerSecond", "1");
        });
        var workspace = await pair.A.CreateWorkspaceAsync(Region.Eu, "Limits", "owner@example.com");
        using var viaA = pair.A.ClientFor(Region.Eu, workspace.Str("access_token"));
        using var viaB = pair.B.ClientFor(Region.Eu, workspace.Str("access_token"));

        var started = Stopwatch.StartNew();
        var statuses = await Task.WhenAll(Enumerable.Range(0, 60).Select(async i =>
            (await (i % 2 == 0 ? viaA : viaB).GetAsync("tags")).StatusCode));
        var elapsedSeconds = (int)Math.Ceiling(started.Elapsed.TotalSeconds);

        var served = statuses.Count(s => s == HttpStatusCode.OK);
        Assert.All(statuses, s => Assert.True(s is HttpStatusCode.OK or HttpStatusCode.TooManyRequests, $"unexpected {s}"));
        // One burst for the token, whichever process served it, plus what the rate refilled meanwhile.
        Assert.InRange(served, burst / 2, burst + elapsedSeconds);
    }

    [Fact]
    public async Task ConcurrentWritesOnBoth_AllSucceed_AndTheActivityLogVerifies()
    {
        await using var pair = await ProcessPair.StartAsync();
        var workspace = await pair.A.CreateWorkspaceAsync(Region.Eu, "Concurrent", "owner@example.com");
        var workspaceId = workspace.Str("workspace_id");
        using var viaA = pair.A.ClientFor(Region.Eu, workspace.Str("access_token"));
        using var viaB = pair.B.ClientFor(Region.Eu, workspace.Str("access_token"));
        var contactId = (await (await viaA.PostJsonAsync("contacts", new { email = "logged@example.com", role = "user" })).JsonAsync()).Str("id");
        var conversationId = (await (await viaA.PostJsonAsync("conversations", new { from = new { type = "user", id = contactId }, body = "Start" })).JsonAsync()).Str("conversation_id");

        // Every note is an activity-log entry: 200 appends to one workspace's chain from two processes.
        var failures = new ConcurrentBag<string>();
        await Task.WhenAll(Enumerable.Range(0, 200).Select(async i =>
        {
            using var response = await (i % 2 == 0 ? viaA : viaB).PostJsonAsync(
                $"conversations/{conversationId}/reply", new { message_type = "note", type = "admin", admin_id = workspace.Str("owner_id"), body = $"note {i}" });
            if (response.StatusCode != HttpStatusCode.OK)
            {
                failures.Add($"{(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
            }
        }));
        Assert.True(failures.IsEmpty, $"{failures.Count} of 200 notes failed: " + string.Join(" | ", failures.Take(3)));

        var export = Path.Combine(pair.A.DataDirectory, "activity.jsonl");
        await pair.A.RunCliAsync("audit", "export", "--region", "eu", "--workspace", workspaceId, "--out", export);
        var (exitCode, output, error) = await pair.A.RunCliAsync("audit", "verify", export, "--json");
        Assert.True(exitCode == 0, $"verify failed: {output}{error}");
        var report = JsonDocument.Parse(output).RootElement;
        Assert.True(report.GetProperty("entries").GetInt64() >= 200, output);
    }
}
