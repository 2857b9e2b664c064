using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using Confide.Platform;
using Confide.Tests.Infrastructure;

namespace Confide.Tests.Durability;

/// <summary>Every write the server acknowledged survives SIGKILL of the server, mid-load.</summary>
public sealed class KillDashNineTests
{
    [Theory, MemberData(nameof(Providers.All), MemberType = typeof(Providers))]
    public async Task AcknowledgedWrites_SurviveKillDashNine(string provider)
    {
        var postgres = await TestPostgres.DatabaseForAsync(provider);

        using var server = new ServerProcess(postgres);
        try
        {
            await server.StartAsync();
            var workspace = await server.CreateWorkspaceAsync(Region.Eu, "Durable", "owner@example.com");
            Assert.StartsWith("eu_", workspace.Str("workspace_id"), StringComparison.Ordinal);
            Assert.Equal("eu", workspace.Str("region"));
            Assert.Equal(server.CaPath, workspace.Str("ca_cert_path"));
            Assert.Equal($"https://localhost:{server.Ports[Region.Eu]}", workspace.Str("api_base_url"));
            var token = workspace.Str("access_token");

            var acknowledged = new ConcurrentDictionary<string, string>();
            using var stop = new CancellationTokenSource();
            var writers = Enumerable.Range(0, 8).Select(w => Task.Run(async () =>
            {
                using var client = server.ClientFor(Region.Eu, token);
                for (var i = 0; !stop.IsCancellationRequested; i++)
                {
                    var externalId = $"w{w}-{i}";
                    try
                    {
                        using var response = await client.PostAsJsonAsync("contacts", new { external_id = externalId, role = "lead" });
                        if (response.StatusCode == HttpStatusCode.OK)
                        {
                            var json = await response.JsonAsync();
                            acknowledged[json.Str("id")] = externalId;
                        }
                    }
                    catch (HttpRequestException)
                    {
                        return; // the server is gone
                    }
                }
            })).ToList();

            await Poll.UntilAsync(() => acknowledged.Count >= 300 || writers.All(w => w.IsCompleted), TimeSpan.FromMinutes(3), "300 acknowledged writes");
            Assert.True(acknowledged.Count >= 300, $"the writers stopped after {acknowledged.Count} acknowledged writes, before the kill");

            server.KillHard();
            await stop.CancelAsync();
            await Task.WhenAll(writers);

            await server.StartAsync();
            using var reader = server.ClientFor(Region.Eu, token);
            foreach (var (id, externalId) in acknowledged)
            {
                var contact = await (await reader.GetAsync($"contacts/{id}")).JsonAsync();
                Assert.Equal(externalId, contact.Str("external_id"));
            }
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
}
