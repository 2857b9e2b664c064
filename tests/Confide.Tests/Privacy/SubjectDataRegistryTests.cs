using Confide.Data;
using Confide.Data.Model;
using Confide.Messaging.Contacts.Erasure;
using Confide.Platform;
using Confide.Privacy.Exports;
using Confide.Privacy.Retention.Rules;
using Confide.Tests.Infrastructure;
using Confide.Tests.Retention;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Confide.Tests.Privacy;

/// <summary>
/// Every module declares its share of a subject's data: a stored entity with a field about an end
/// user is claimed by a registered <see cref="ISubjectDataHandler"/> (which erases it) and its
/// personal fields are in the export's layout — or it is listed here with the reason it stays.
/// A new entity with personal data and neither fails here.
/// </summary>
public sealed class SubjectDataRegistryTests(Servers servers)
{
    /// <summary>Entities that hold something about an end user and deliberately outlive an erasure.</summary>
    private static readonly Dictionary<Type, string> Kept = new()
    {
        [typeof(ErasureReceipt)] = "the proof of the erasure: it names the subject only by the workspace's keyed hash of the contact id",
        [typeof(TeammateInvitation)] = "an invited teammate's address (the workforce's data, not an end user's); its keyed hash has the one blind-index category",
    };

    /// <summary>End users' categories; the workforce's own data (teammates) is not a subject's.</summary>
    private static readonly string[] SubjectCategories =
    [
        DataCategories.UserId, DataCategories.UserName, DataCategories.UserEmail, DataCategories.UserPhone, DataCategories.UserCustom,
        DataCategories.UserBehavior, DataCategories.UserMessage, DataCategories.UserNote, DataCategories.UserDerivedIndex,
        DataCategories.UserPrivacyPreferences,
    ];

    [Fact]
    public async Task EveryEntityHoldingASubjectsData_HasAnErasureHandler_AndItsFieldsAreExported()
    {
        var server = await servers.GetAsync(Providers.Sqlite);
        var handlers = server.Services.GetServices<ISubjectDataHandler>().ToList();
        var claimed = handlers.SelectMany(h => h.Entities).ToHashSet();
        await using var db = server.Cell(Region.Eu).CreateReadContext();

        var personal = db.Model.GetEntityTypes()
            .Select(e => (Entity: e.ClrType, Fields: e.GetProperties().Where(p => SubjectCategories.Contains(DataCatalog.CategoryOf(p))).ToList()))
            .Where(e => e.Fields.Count > 0)
            .ToList();
        Assert.NotEmpty(personal);

        var unclaimed = personal.Where(e => !claimed.Contains(e.Entity) && !Kept.ContainsKey(e.Entity)).Select(e => e.Entity.Name).ToList();
        Assert.True(unclaimed.Count == 0, "Entities with a subject's data and no erasure handler: " + string.Join(", ", unclaimed));

        // Exported: every field of a personal category except the keyed lookup hashes (which say nothing to the subject).
        var exported = SubjectExportLayout.Fields.Select(f => (f.Entity, f.Property)).ToHashSet();
        var missing = personal.Where(e => !Kept.ContainsKey(e.Entity))
            .SelectMany(e => e.Fields.Where(f => DataCatalog.CategoryOf(f) != DataCategories.UserDerivedIndex).Select(f => (e.Entity, Property: f.Name)))
            .Where(f => !exported.Contains(f) && !SubjectExportLayout.Omitted.ContainsKey(f))
            .Select(f => $"{f.Entity.Name}.{f.Property}")
            .ToList();
        Assert.True(missing.Count == 0, "Personal fields neither exported nor omitted with a reason: " + string.Join(", ", missing));

        // Each handler claims what it erases once, and names a distinct receipt category.
        Assert.Equal(handlers.Count, handlers.Select(h => h.Category).Distinct().Count());
        Assert.Equal(claimed.Count, handlers.Sum(h => h.Entities.Count));
    }

    /// <summary>
    /// The batched erasure (retention, ADR 0014) runs every handler's set-based
    /// <see cref="ISubjectDataHandler.EraseManyAsync"/>: a visitor with a row in every entity a
    /// handler claims, erased by the visitor rule, leaves no row that names them (every table of the
    /// model is scanned, so an entity the batch path misses fails here) and no identifier on their
    /// privacy requests; and every claimed entity is within the scan's reach.
    /// </summary>
    [Fact]
    public async Task TheBatchedErasure_LeavesNothingOfAnyClaimedEntity()
    {
        var server = await servers.GetAsync(Providers.Sqlite);
        var workspace = await server.CreateWorkspaceAsync(Region.Eu);
        using var api = workspace.Client();
        var (visitor, conversation) = await VisitorRuleTests.VisitorAsync(workspace, "every kind of row");
        await VisitorRuleTests.SeedHistoryAsync(api, workspace, visitor, conversation);
        var now = DateTimeOffset.UtcNow;
        await workspace.WriteAsync(db =>
        {
            db.PrivacyRequests.Add(new PrivacyRequest
            {
                Id = PublicIds.NewEntityId(TimeProvider.System), WorkspaceId = workspace.Id, Kind = PrivacyRequestKinds.Access, State = PrivacyRequestStates.Completed,
                ReceivedVia = PrivacyRequestChannels.Api, ContactId = visitor, SubjectIdentifierType = Confide.Privacy.Requests.PrivacyRequestFields.ContactId,
                EncryptedSubjectEmail = [1, 2, 3], EncryptedSubjectExternalId = [4, 5, 6], EncryptedSubjectPhone = [7, 8, 9],
                ReceivedAt = now, DueAt = now, DeadlineAt = now, CreatedById = workspace.OwnerId, CreatedAt = now, UpdatedAt = now,
            });
            return Task.CompletedTask;
        });

        var rule = server.Rule<VisitorRetentionRule>();
        Assert.Equal(1, await rule.RunAsync(workspace.Scope(now.AddDays(271), 270)));
        await VisitorRuleTests.AssertErasedAsync(workspace, [visitor], [conversation]);
        Assert.True(await workspace.ReadAsync(db => db.PrivacyRequests.Where(r => r.ContactId == visitor)
            .AllAsync(r => r.EncryptedSubjectEmail == null && r.EncryptedSubjectExternalId == null && r.EncryptedSubjectPhone == null)));

        await using var model = server.Cell(Region.Eu).CreateReadContext();
        var unreachable = server.Services.GetServices<ISubjectDataHandler>().SelectMany(h => h.Entities)
            .Where(type => type != typeof(PrivacyRequest) && type != typeof(Contact) && type != typeof(Conversation)
                && !model.Model.FindEntityType(type)!.GetProperties().Any(p => p.Name is "ContactId" or "ConversationId"))
            .Select(type => type.Name).ToList();
        Assert.True(unreachable.Count == 0, "Claimed entities the leftover scan cannot see: " + string.Join(", ", unreachable));
    }
}
