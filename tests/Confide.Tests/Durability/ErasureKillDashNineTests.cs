using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Confide.Audit;
using Confide.Platform;
using Confide.Tests.Infrastructure;

namespace Confide.Tests.Durability;

/// <summary>
/// SIGKILL while contacts are being erased and purged (one row per purge step, so purges are cut
/// mid-way): after the restart no contact is left half erased (unreadable but present), every
/// acknowledged erasure stands with exactly one activity-log entry, and every cut purge resumes
/// and stores its receipt.
/// </summary>
public sealed class ErasureKillDashNineTests
{
    private const int Contacts = 120;

    [Theory, MemberData(nameof(Providers.All), MemberType = typeof(Providers))]
    public async Task ErasuresInFlight_AtKillDashNine_AreFinishedOnRestart_AndLoggedOnce(string provider)
    {
        var postgres = await TestPostgres.DatabaseForAsync(provider);

        using var server = new ServerProcess(postgres);
        server.Configure("Confide:Erasure:PurgeBatchSize", "1");
        try
        {
            await server.StartAsync();
            var token = (await server.CreateWorkspaceAsync(Region.Eu, "Erasure", "owner@example.com")).Str("access_token");
            var contacts = new ConcurrentBag<string>();
            using (var creator = server.ClientFor(Region.Eu, token))
            {
                await Parallel.ForEachAsync(Enumerable.Range(0, Contacts), new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (i, ct) =>
                {
                    using var response = await creator.PostAsJsonAsync("contacts", new { external_id = $"erase-{i}", role = "lead" }, ct);
                    var id = (await response.JsonAsync()).Str("id");
                    using var conversation = await creator.PostAsJsonAsync("conversations", new { from = new { type = "lead", id }, body = "Hello" }, ct);
                    conversation.EnsureSuccessStatusCode();
                    contacts.Add(id);
                });
            }

            // Eight clients erase; the server is killed once a few erasures were acknowledged.
            var queue = new ConcurrentQueue<string>(contacts);
            var sent = new ConcurrentBag<string>();
            var acknowledged = new ConcurrentBag<string>();
            var erasers = Enumerable.Range(0, 8).Select(_ => Task.Run(async () =>
            {
                using var client = server.ClientFor(Region.Eu, token);
                while (queue.TryDequeue(out var id))
                {
                    sent.Add(id);
                    try
                    {
                        using var response = await client.DeleteAsync($"contacts/{id}");
                        if (response.StatusCode == HttpStatusCode.OK)
                        {
                            acknowledged.Add(id);
                        }
                    }
                    catch (HttpRequestException)
                    {
                        return; // the server is gone
                    }
                }
            })).ToList();

            await Poll.UntilAsync(() => acknowledged.Count >= 20 || erasers.All(e => e.IsCompleted), TimeSpan.FromMinutes(3), "20 acknowledged erasures");
            server.KillHard();
            await Task.WhenAll(erasers);
            Assert.True(acknowledged.Count < Contacts, "every erasure finished before the kill; the test proves nothing");

            await server.StartAsync();
            using var reader = server.ClientFor(Region.Eu, token);
            // Every erasure whose first transaction committed is hidden and logged exactly once; the others left no trace.
            var (states, entries) = await Poll.UntilAsync(
                async () =>
                {
                    var seen = new Dictionary<string, HttpStatusCode>();
                    foreach (var id in sent)
                    {
                        using var response = await reader.GetAsync($"contacts/{id}");
                        seen[id] = response.StatusCode;
                    }

                    return (seen, await ErasureEntriesAsync(reader));
                },
                s => s.seen.All(p => p.Value == HttpStatusCode.OK ? !s.Item2.ContainsKey(p.Key) : s.Item2.GetValueOrDefault(p.Key) == 1),
                TimeSpan.FromMinutes(3), "every hidden contact's purge to finish");

            foreach (var (id, status) in states)
            {
                Assert.True(status is HttpStatusCode.OK or HttpStatusCode.NotFound, $"{id}: {status}");
                Assert.Equal(status == HttpStatusCode.NotFound ? 1 : 0, entries.GetValueOrDefault(id));
            }

            Assert.All(acknowledged, id => Assert.Equal(HttpStatusCode.NotFound, states[id]));

            // The purges cut by the kill resume and each stores its receipt.
            foreach (var id in states.Where(s => s.Value == HttpStatusCode.NotFound).Select(s => s.Key))
            {
                await reader.WaitForPurgeAsync(id);
            }
            Assert.All(contacts.Except(sent), id => Assert.DoesNotContain(id, entries.Keys));
        }
        finally
        {
            server.KillHard();
            if (postgres is not null)
            {
                await TestPostgres.DropDatabaseAsync(postgres);
            }
        }
    }

    /// <summary>The <c>contact_deletion</c> entries of the workspace, counted by contact.</summary>
    private static async Task<Dictionary<string, int>> ErasureEntriesAsync(HttpClient client)
    {
        var counts = new Dictionary<string, int>();
        string? cursor = null;
        do
        {
            var page = await (await client.GetAsync($"admins/activity_logs?created_at_after=0&per_page=150{(cursor is null ? "" : $"&starting_after={cursor}")}")).JsonAsync();
            foreach (var entry in page.GetProperty("activity_logs").EnumerateArray().Where(e => e.Str("activity_type") == ActivityTypes.ContactDeletion))
            {
                var id = entry.GetProperty("target").Str("id");
                counts[id] = counts.GetValueOrDefault(id) + 1;
            }

            var next = page.GetProperty("pages").GetProperty("next");
            cursor = next.ValueKind == JsonValueKind.Null ? null : next.Str("starting_after");
        }
        while (cursor is not null);
        return counts;
    }
}
