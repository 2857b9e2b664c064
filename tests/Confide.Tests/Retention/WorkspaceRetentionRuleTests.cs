using System.Net;
using Confide.Audit;
using Confide.Data;
using Confide.Data.Jobs;
using Confide.Data.Model;
using Confide.Platform;
using Confide.Privacy.Retention;
using Confide.Privacy.Retention.Workspaces;
using Confide.Privacy.Workspaces;
using Confide.Tests.Infrastructure;
using Confide.Tests.Messenger;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;

namespace Confide.Tests.Retention;

/// <summary>
/// The built-in <c>workspace</c> rule (docs/retention.md, "Inactive workspaces"), called directly
/// as the sweep calls it, with the sweep's clock a <see cref="FakeTimeProvider"/>: owners are warned
/// 90, 30 and 7 days ahead, each warning once, and the workspace is deleted on its day through the
/// workspace-deletion path; a sign-in, an API call or a conversation starts the period over.
/// </summary>
public sealed class WorkspaceRetentionRuleTests(Servers servers)
{
    private const int AfterDays = 395;

    [Theory, MemberData(nameof(Providers.All), MemberType = typeof(Providers))]
    public async Task EachWarningOnItsDayOnce_ThenTheDeletionOnItsDay_NotADayBefore(string provider)
    {
        var server = await servers.GetAsync(provider);
        var name = "Quiet " + Guid.NewGuid().ToString("N")[..6];
        var workspace = await server.CreateWorkspaceAsync(Region.Eu, name: name);
        var cell = server.Cell(Region.Eu);
        var rule = Rule(server);
        DateTimeOffset created;
        await using (var db = cell.CreateReadContext())
        {
            created = await db.Workspaces.Where(w => w.Id == workspace.Id).Select(w => w.CreatedAt).SingleAsync();
        }

        var clock = new FakeTimeProvider(created);
        var mails = new OutboxReader(server, workspace.OwnerEmail);
        var warnedOn = new List<(int Day, int Stage)>();
        var deletedOn = new List<int>();
        clock.Advance(TimeSpan.FromDays(AfterDays - 100));
        for (var day = AfterDays - 100; day <= AfterDays; day++)
        {
            var before = await StageAsync(cell, workspace.Id);
            var (count, batches) = await RunAsync(cell, rule, workspace.Id, clock.GetUtcNow());
            // The same day again: nothing more (no second mail, no second deletion).
            Assert.Equal((0, 0), await RunAsync(cell, rule, workspace.Id, clock.GetUtcNow()));
            var after = await StageAsync(cell, workspace.Id);
            if (count == 1)
            {
                deletedOn.Add(day);
                break;
            }

            if (after != before)
            {
                Assert.Equal(1, batches);
                warnedOn.Add((day, after!.Value));
            }

            clock.Advance(TimeSpan.FromDays(1));
        }

        Assert.Equal([(AfterDays - 90, 90), (AfterDays - 30, 30), (AfterDays - 7, 7)], warnedOn);
        Assert.Equal([AfterDays], deletedOn);
        var sent = mails.New();
        var warnings = sent.Where(m => m.Subject!.StartsWith("Your inactive workspace", StringComparison.Ordinal)).ToList();
        Assert.Equal(3, warnings.Count);
        var deletesOn = created.AddDays(AfterDays).UtcDateTime.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
        Assert.All(warnings, m => Assert.Contains(deletesOn, m.Subject, StringComparison.Ordinal));

        // The deletion is the workspace-deletion path's, with its receipt and its mail (the job completes as the receipt is mailed).
        var deletion = await Poll.UntilAsync(
            async () =>
            {
                await using var db = cell.CreateReadContext();
                return await db.WorkspaceDeletions.AsNoTracking().FirstOrDefaultAsync(d => d.WorkspaceId == workspace.Id && d.CompletedAt != null && d.EncryptedNotice == null);
            },
            d => d is not null, TimeSpan.FromSeconds(60), "the deletion to complete");
        Assert.NotNull(deletion!.Signature);
        await using (var db = cell.CreateReadContext())
        {
            Assert.Equal(JobStates.Completed, (await db.Jobs.SingleAsync(j => j.WorkspaceId == workspace.Id && j.Kind == WorkspaceDeletionJob.JobKind)).State);
        }

        Assert.Contains(sent, m => m.Subject == $"Your workspace {name} is being deleted");
        // Deleted, the rule has nothing more to do.
        Assert.Null(await rule.NextBatchAsync(Scope(cell, workspace.Id, clock.GetUtcNow().AddDays(1)), 100, CancellationToken.None));
    }

    [Theory, MemberData(nameof(Providers.All), MemberType = typeof(Providers))]
    public async Task ASignIn_ResetsTheClock(string provider)
    {
        var server = await servers.GetAsync(provider);
        var (workspace, clock) = await WarnedWorkspaceAsync(server);
        using var browser = server.Browser(Region.Eu, new CookieContainer());
        Assert.Equal(HttpStatusCode.Redirect, (await browser.PostPasswordAsync(workspace.OwnerEmail)).StatusCode);
        await AssertStartedOverAsync(server, workspace, clock);
    }

    [Theory, MemberData(nameof(Providers.All), MemberType = typeof(Providers))]
    public async Task AnApiCall_ResetsTheClock(string provider)
    {
        var server = await servers.GetAsync(provider);
        var (workspace, clock) = await WarnedWorkspaceAsync(server);
        using var api = workspace.Client();
        Assert.Equal(HttpStatusCode.OK, (await api.GetAsync("tags")).StatusCode);
        await AssertStartedOverAsync(server, workspace, clock);
    }

    [Theory, MemberData(nameof(Providers.All), MemberType = typeof(Providers))]
    public async Task AConversation_ResetsTheClock(string provider)
    {
        var server = await servers.GetAsync(provider);
        var (workspace, clock) = await WarnedWorkspaceAsync(server);
        using var visitor = new MessengerVisitor(server, Region.Eu, workspace.Id);
        await visitor.BootOkAsync();
        await visitor.StartAsync("Is anyone there?");
        await AssertStartedOverAsync(server, workspace, clock);
    }

    /// <summary>Retention turned on for a workspace inactive for years: it is not deleted before its owners had their 90 days.</summary>
    [Theory, MemberData(nameof(Providers.All), MemberType = typeof(Providers))]
    public async Task LongInactive_IsWarnedFirst_AndDeletedNinetyDaysAfterTheFirstWarning(string provider)
    {
        var server = await servers.GetAsync(provider);
        var workspace = await server.CreateWorkspaceAsync(Region.Eu, name: "Ancient");
        var cell = server.Cell(Region.Eu);
        var clock = new FakeTimeProvider(WholeMilliseconds(DateTimeOffset.UtcNow));
        await BackdateAsync(cell, workspace.Id, clock.GetUtcNow().AddDays(-1000));
        var rule = Rule(server);
        var firstWarning = clock.GetUtcNow();
        Assert.Equal((0, 1), await RunAsync(cell, rule, workspace.Id, firstWarning));
        Assert.Equal(90, await StageAsync(cell, workspace.Id));
        var forecast = await WorkspaceRetentionRule.ForecastAsync(Scope(cell, workspace.Id, firstWarning), CancellationToken.None);
        Assert.Equal(firstWarning.AddDays(90), forecast!.DeletesAt);
        Assert.True(forecast.Inactive);
        Assert.Equal(1, (await rule.PreviewAsync(Scope(cell, workspace.Id, firstWarning), 10, CancellationToken.None)).Count);

        Assert.Equal((0, 0), await RunAsync(cell, rule, workspace.Id, firstWarning.AddDays(59)));
        Assert.Equal((0, 1), await RunAsync(cell, rule, workspace.Id, firstWarning.AddDays(60)));
        Assert.Equal((0, 0), await RunAsync(cell, rule, workspace.Id, firstWarning.AddDays(82)));
        Assert.Equal((0, 1), await RunAsync(cell, rule, workspace.Id, firstWarning.AddDays(83)));
        Assert.Equal(7, await StageAsync(cell, workspace.Id));
        Assert.Equal((0, 0), await RunAsync(cell, rule, workspace.Id, firstWarning.AddDays(90).AddMinutes(-1)));
        Assert.Equal((1, 1), await RunAsync(cell, rule, workspace.Id, firstWarning.AddDays(90)));
    }

    [Theory, MemberData(nameof(Providers.All), MemberType = typeof(Providers))]
    public async Task AHeldWorkspace_IsNeitherWarnedNorDeleted(string provider)
    {
        var server = await servers.GetAsync(provider);
        var workspace = await server.CreateWorkspaceAsync(Region.Eu, name: "Held");
        var cell = server.Cell(Region.Eu);
        var now = WholeMilliseconds(DateTimeOffset.UtcNow);
        await BackdateAsync(cell, workspace.Id, now.AddDays(-1000));
        await cell.Writer.WriteAsync((db, _) =>
        {
            db.LegalHolds.Add(new LegalHold
            {
                Id = PublicIds.NewEntityId(TimeProvider.System), WorkspaceId = workspace.Id, TargetType = LegalHoldTargets.Workspace, TargetId = workspace.Id,
                SetByType = ActivityActor.SystemType, SetById = "confide-cli", CreatedAt = now,
            });
            return Task.CompletedTask;
        }, CancellationToken.None);
        var mails = new OutboxReader(server, workspace.OwnerEmail);
        var rule = Rule(server);
        Assert.Null(await rule.NextBatchAsync(Scope(cell, workspace.Id, now), 100, CancellationToken.None));
        Assert.Null(await StageAsync(cell, workspace.Id));
        Assert.Empty(mails.New());
    }

    /// <summary>A warning that reached no owner is not recorded: it is sent, and recorded, at the next run that can mail it.</summary>
    [Theory, MemberData(nameof(Providers.All), MemberType = typeof(Providers))]
    public async Task AWarningNoOwnerGot_IsNotRecorded_AndIsSentAtTheNextRun(string provider)
    {
        _ = await servers.GetAsync(provider); // skips, visibly, when the provider is not available
        var logs = new CapturedLogs();
        await using var server = await TestServer.StartAsync(provider, settings: ["--Confide:Mail:OutboxDirectory=blocked/outbox"],
            configure: b => b.Logging.AddProvider(logs));
        var workspace = await server.CreateWorkspaceAsync(Region.Eu, name: "Unreachable");
        var cell = server.Cell(Region.Eu);
        var now = WholeMilliseconds(DateTimeOffset.UtcNow);
        await BackdateAsync(cell, workspace.Id, now.AddDays(-(AfterDays - 90)));
        // A file where the outbox's parent directory should be: no message can be written.
        var blocker = Path.Combine(server.DataDirectory, "blocked");
        await File.WriteAllTextAsync(blocker, "");
        var rule = Rule(server);

        Assert.Equal((0, 0), await RunAsync(cell, rule, workspace.Id, now));
        Assert.Null(await StageAsync(cell, workspace.Id));
        Assert.DoesNotContain(ActivityTypes.WorkspaceInactivityWarning, await TypesAsync(cell, workspace.Id));
        Assert.Contains(logs.Lines, l => l.Contains("reached none of its owners", StringComparison.Ordinal));

        File.Delete(blocker);
        Assert.Equal((0, 1), await RunAsync(cell, rule, workspace.Id, now.AddDays(1)));
        Assert.Equal(90, await StageAsync(cell, workspace.Id));
        Assert.Single(Directory.GetFiles(Path.Combine(server.DataDirectory, "blocked", "outbox"), "*.eml"));
        // Sent late by a day: the deletion moved by a day, so the warning still comes 90 days ahead.
        var forecast = await WorkspaceRetentionRule.ForecastAsync(Scope(cell, workspace.Id, now.AddDays(1)), CancellationToken.None);
        Assert.Equal(now.AddDays(91), forecast!.DeletesAt);
    }

    /// <summary>A workspace created, then backdated so it has been inactive for 300 days, and warned once (90 days ahead).</summary>
    private static async Task<(TestWorkspace Workspace, FakeTimeProvider Clock)> WarnedWorkspaceAsync(TestServer server)
    {
        var workspace = await server.CreateWorkspaceAsync(Region.Eu, name: "Dormant");
        var cell = server.Cell(Region.Eu);
        var clock = new FakeTimeProvider(WholeMilliseconds(DateTimeOffset.UtcNow));
        await BackdateAsync(cell, workspace.Id, clock.GetUtcNow().AddDays(-(AfterDays - 90)));
        Assert.Equal((0, 1), await RunAsync(cell, Rule(server), workspace.Id, clock.GetUtcNow()));
        Assert.Equal(90, await StageAsync(cell, workspace.Id));
        Assert.Contains(await TypesAsync(cell, workspace.Id), t => t == ActivityTypes.WorkspaceInactivityWarning);
        return (workspace, clock);
    }

    /// <summary>After new activity: no warning now, none until 305 days after it, and then the 90-day warning again (once).</summary>
    private static async Task AssertStartedOverAsync(TestServer server, TestWorkspace workspace, FakeTimeProvider clock)
    {
        var cell = server.Cell(Region.Eu);
        var rule = Rule(server);
        // API tokens' last use is written just after the call, outside the request.
        var forecast = await Poll.UntilAsync(
            () => WorkspaceRetentionRule.ForecastAsync(Scope(cell, workspace.Id, DateTimeOffset.UtcNow), CancellationToken.None),
            f => f!.WarningStage is null, TimeSpan.FromSeconds(10), "the activity to be recorded");
        var activity = forecast!.LastActivityAt;
        Assert.InRange(activity, clock.GetUtcNow().AddMinutes(-1), DateTimeOffset.UtcNow.AddMinutes(1));
        Assert.False(forecast.Inactive);
        Assert.Equal(activity.AddDays(AfterDays), forecast.DeletesAt);
        Assert.Equal(0, (await rule.PreviewAsync(Scope(cell, workspace.Id, DateTimeOffset.UtcNow), 10, CancellationToken.None)).Count);
        Assert.Equal((0, 0), await RunAsync(cell, rule, workspace.Id, DateTimeOffset.UtcNow));
        Assert.Equal((0, 0), await RunAsync(cell, rule, workspace.Id, activity.AddDays(AfterDays - 90).AddMinutes(-1)));
        Assert.Equal((0, 1), await RunAsync(cell, rule, workspace.Id, activity.AddDays(AfterDays - 90)));
        Assert.Equal((0, 0), await RunAsync(cell, rule, workspace.Id, activity.AddDays(AfterDays - 89)));
        Assert.Equal(2, (await TypesAsync(cell, workspace.Id)).Count(t => t == ActivityTypes.WorkspaceInactivityWarning));
    }

    /// <summary>An instant both providers store exactly (SQLite keeps milliseconds).</summary>
    private static DateTimeOffset WholeMilliseconds(DateTimeOffset at) => DateTimeOffset.FromUnixTimeMilliseconds(at.ToUnixTimeMilliseconds());

    private static WorkspaceRetentionRule Rule(TestServer server) =>
        server.Services.GetServices<IRetentionRule>().OfType<WorkspaceRetentionRule>().Single();

    private static RetentionScope Scope(CellDatabase cell, string workspaceId, DateTimeOffset now) => new(cell, workspaceId, now, AfterDays);

    /// <summary>Runs the rule as the sweep does: batches until none, each write in the cell's writer. Returns the items counted and the batches.</summary>
    private static async Task<(int Count, int Batches)> RunAsync(CellDatabase cell, WorkspaceRetentionRule rule, string workspaceId, DateTimeOffset now)
    {
        var (count, batches) = (0, 0);
        while (await rule.NextBatchAsync(Scope(cell, workspaceId, now), 100, CancellationToken.None) is { } batch)
        {
            Assert.True(++batches < 5, "The rule keeps returning batches.");
            count += batch.Count;
            if (batch.Write is { } write)
            {
                await cell.Writer.WriteAsync(write, CancellationToken.None);
            }
        }

        return (count, batches);
    }

    private static async Task<int?> StageAsync(CellDatabase cell, string workspaceId)
    {
        await using var db = cell.CreateReadContext();
        return await db.Workspaces.Where(w => w.Id == workspaceId).Select(w => w.InactivityWarningStage).FirstOrDefaultAsync();
    }

    private static async Task<List<string>> TypesAsync(CellDatabase cell, string workspaceId)
    {
        await using var db = cell.CreateReadContext();
        return await db.ActivityLogEntries.Where(e => e.WorkspaceId == workspaceId).OrderBy(e => e.Sequence).Select(e => e.ActivityType).ToListAsync();
    }

    /// <summary>Makes the workspace look created at <paramref name="at"/>, with nothing recorded since.</summary>
    private static async Task BackdateAsync(CellDatabase cell, string workspaceId, DateTimeOffset at) =>
        Assert.Equal(1, await cell.Writer.WriteAsync(async (db, ct) =>
            await db.Workspaces.Where(w => w.Id == workspaceId).ExecuteUpdateAsync(s => s.SetProperty(w => w.CreatedAt, at), ct), CancellationToken.None));

    /// <summary>The new messages to one address in the server's outbox since the last look (the outbox deletes old files, so they are followed by name).</summary>
    private sealed class OutboxReader(TestServer server, string address)
    {
        private readonly HashSet<string> _seen = [.. Files(server)];

        public List<MimeKit.MimeMessage> New()
        {
            var fresh = Files(server).Where(_seen.Add).ToList();
            return [.. fresh.Select(f => MimeKit.MimeMessage.Load(f)).Where(m => m.To.Mailboxes.Any(b => string.Equals(b.Address, address, StringComparison.OrdinalIgnoreCase)))];
        }

        private static List<string> Files(TestServer server)
        {
            var directory = Outbox.DirectoryOf(server.DataDirectory);
            return Directory.Exists(directory) ? [.. Directory.EnumerateFiles(directory, "*.eml").Order(StringComparer.Ordinal)] : [];
        }
    }
}
