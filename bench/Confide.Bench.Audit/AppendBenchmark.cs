using Stopwatch = System.Diagnostics.Stopwatch;
using System.Globalization;
using System.Text.Json.Nodes;
using Confide.Audit;
using Confide.Crypto;
using Confide.Data;
using Confide.Data.Model;
using Confide.Identity;
using Confide.Platform;
using Confide.Server;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Confide.Bench.Audit;

/// <summary>
/// What one activity-log entry adds to a write unit, on the embedded SQLite cell. Each unit is
/// shaped like a reply's (find the conversation, open the contact's key, check the admin, add a
/// part with a sealed ~1 KiB body, bump the conversation); the "with entry" unit also calls
/// <c>ActivityLog.AppendAsync</c>.
/// The two kinds alternate (and swap order every iteration) so drift on a shared machine hits both.
/// Timed inside the single writer, from the unit's start to the end of its SaveChanges: that is
/// the time no other write of the cell can use; commit and fsync come after and are shown apart.
/// </summary>
internal static class AppendBenchmark
{
    private static readonly CompiledPerProvider<Func<ConfideDbContext, string, string, CancellationToken, Task<Conversation?>>> ConversationById = new(() =>
        EF.CompileAsyncQuery((ConfideDbContext db, string workspaceId, string conversationId, CancellationToken ct) =>
            db.Conversations.AsTracking().FirstOrDefault(c => c.WorkspaceId == workspaceId && c.Id == conversationId)));

    private static readonly CompiledPerProvider<Func<ConfideDbContext, string, string, CancellationToken, Task<Teammate?>>> TeammateById = new(() =>
        EF.CompileAsyncQuery((ConfideDbContext db, string workspaceId, string teammateId, CancellationToken ct) =>
            db.Teammates.AsNoTracking().FirstOrDefault(t => t.WorkspaceId == workspaceId && t.Id == teammateId)));

    // The reply body run.sh sends: ~1 KiB of text.
    private static readonly string Body = string.Concat(Enumerable.Repeat("Thanks for the details, I have looked into your account and the order is on its way. ", 12))[..1000];

    private sealed record Timing(double InWriterUs, double AppendUs, double DurableUs);

    public static async Task<int> RunAsync(string dataDirectory, int units, int warmup)
    {
        var builder = ConfideHost.CreateBuilder([$"--Confide:DataDirectory={dataDirectory}", "--Logging:LogLevel:Default=Warning"]);
        await using var app = ConfideHost.Build(builder);
        await ConfideHost.MigrateAsync(app.Services);
        var services = app.Services;
        var cell = services.GetRequiredService<CellRegistry>().Get(Region.Eu);
        var scenario = await Scenario.SeedAsync(services, cell);

        for (var i = 0; i < warmup; i++)
        {
            await scenario.UnitAsync(withEntry: false);
            await scenario.UnitAsync(withEntry: true);
        }

        var without = new List<Timing>(units);
        var with = new List<Timing>(units);
        for (var i = 0; i < units; i++)
        {
            if (i % 2 == 0)
            {
                without.Add(await scenario.UnitAsync(withEntry: false));
                with.Add(await scenario.UnitAsync(withEntry: true));
            }
            else
            {
                with.Add(await scenario.UnitAsync(withEntry: true));
                without.Add(await scenario.UnitAsync(withEntry: false));
            }
        }

        var logged = await scenario.EntryCountAsync();
        if (logged != warmup + units + 1)
        {
            throw new InvalidOperationException($"Expected {warmup + units + 1} log entries (workspace creation included), found {logged}.");
        }

        // The marginal cost per entry: each iteration's pair (run back to back) differenced.
        var marginal = with.Zip(without, (w, o) => w.InWriterUs - o.InWriterUs).ToList();
        var line = string.Create(CultureInfo.InvariantCulture, $"""
            RESULT append units={units} warmup={warmup} without_p50_us={P(without, t => t.InWriterUs, 50):F1} without_p99_us={P(without, t => t.InWriterUs, 99):F1} with_p50_us={P(with, t => t.InWriterUs, 50):F1} with_p99_us={P(with, t => t.InWriterUs, 99):F1} marginal_p50_us={P(marginal, 50):F1} marginal_p99_us={P(marginal, 99):F1} append_call_p50_us={P(with, t => t.AppendUs, 50):F1} append_call_p99_us={P(with, t => t.AppendUs, 99):F1} durable_without_p50_us={P(without, t => t.DurableUs, 50):F1} durable_with_p50_us={P(with, t => t.DurableUs, 50):F1}
            """);
        Console.WriteLine(line);
        return 0;
    }

    private static double P(List<Timing> timings, Func<Timing, double> value, int percentile) => P(timings.Select(value), percentile);

    /// <summary>Nearest-rank percentile.</summary>
    private static double P(IEnumerable<double> values, int percentile)
    {
        var sorted = values.Order().ToArray();
        return sorted[Math.Clamp((int)Math.Ceiling(percentile / 100.0 * sorted.Length) - 1, 0, sorted.Length - 1)];
    }

    private static double Us(long since) => Stopwatch.GetElapsedTime(since).TotalMicroseconds;

    private sealed class Scenario(IServiceProvider services, CellDatabase cell, string workspaceId, string adminId, string conversationId)
    {
        private readonly ActivityLog _log = services.GetRequiredService<ActivityLog>();
        private readonly ContactKeyRing _contactKeys = services.GetRequiredService<ContactKeyRing>();
        private readonly TimeProvider _time = services.GetRequiredService<TimeProvider>();
        // An API call's actor, as a reply through the API would record it.
        private readonly ActivityActor _actor = ActivityActor.Teammate(adminId, "api", "203.0.113.7", "6b08ada2f2432dc0476f2315");

        public static async Task<Scenario> SeedAsync(IServiceProvider services, CellDatabase cell)
        {
            var time = services.GetRequiredService<TimeProvider>();
            WorkspaceBootstrapper.Result workspace;
            await using (var scope = services.CreateAsyncScope())
            {
                workspace = await scope.ServiceProvider.GetRequiredService<WorkspaceBootstrapper>()
                    .CreateAsync(cell, new("Bench", "bench@example.com", "Owner", "correct-horse-battery-staple"), CancellationToken.None);
            }

            var now = time.GetUtcNow();
            var contact = new Contact { Id = PublicIds.NewEntityId(time), WorkspaceId = workspace.WorkspaceId, Role = ContactRoles.User, CreatedAt = now, UpdatedAt = now };
            await services.GetRequiredService<ContactKeyRing>().CreateAsync(cell, workspace.WorkspaceId, contact.Id, CancellationToken.None);
            var conversation = new Conversation { Id = PublicIds.NewEntityId(time), WorkspaceId = workspace.WorkspaceId, ContactId = contact.Id, State = ConversationStates.Open, CreatedAt = now, UpdatedAt = now };
            await cell.Writer.WriteAsync((db, _) =>
            {
                db.Contacts.Add(contact);
                db.Conversations.Add(conversation);
                return Task.CompletedTask;
            });
            return new Scenario(services, cell, workspace.WorkspaceId, workspace.OwnerId, conversation.Id);
        }

        public async Task<Timing> UnitAsync(bool withEntry)
        {
            double inWriter = 0, append = 0;
            var started = Stopwatch.GetTimestamp();
            await cell.Writer.WriteAsync(async (db, ct) =>
            {
                var unitStarted = Stopwatch.GetTimestamp();
                var conversation = await ConversationById.For(db)(db, workspaceId, conversationId, ct) ?? throw new InvalidOperationException("No conversation.");
                var cipher = await _contactKeys.ForContactAsync(cell, workspaceId, conversation.ContactId, ct);
                var admin = await TeammateById.For(db)(db, workspaceId, adminId, ct) ?? throw new InvalidOperationException("No admin.");
                var now = _time.GetUtcNow();
                conversation.PartCount++;
                conversation.UpdatedAt = now;
                conversation.Read = false;
                var partId = PublicIds.NewEntityId(_time);
                var part = new ConversationPart
                {
                    Id = partId,
                    WorkspaceId = workspaceId,
                    ConversationId = conversation.Id,
                    Sequence = conversation.PartCount,
                    PartType = PartTypes.Comment,
                    AuthorType = "admin",
                    AuthorId = admin.Id,
                    CreatedAt = now,
                    EncryptedBody = cipher.Seal("conversation_part", partId, "body", Body),
                };
                db.ConversationParts.Add(part);
                if (withEntry)
                {
                    var appendStarted = Stopwatch.GetTimestamp();
                    // "conversation_reply" is not a type Confide records today; it stands for any entry a reply-sized unit would carry.
                    await _log.AppendAsync(db, cell, workspaceId, new ActivityEvent(
                        "conversation_reply", _actor, "A teammate replied to a conversation.",
                        new ActivityTarget("conversation", conversation.Id),
                        new JsonObject { ["part_id"] = part.Id, ["message_type"] = PartTypes.Comment }), ct);
                    append = Us(appendStarted);
                }

                // The writer saves again after the unit; with nothing left to save that costs the same for both kinds.
                await db.SaveChangesAsync(ct);
                inWriter = Us(unitStarted);
            });
            return new Timing(inWriter, append, Us(started));
        }

        public async Task<int> EntryCountAsync()
        {
            await using var db = cell.CreateReadContext();
            return await db.ActivityLogEntries.CountAsync(e => e.WorkspaceId == workspaceId);
        }
    }
}
