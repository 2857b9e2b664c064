using System.Globalization;
using System.Text.Json.Nodes;
using Confide.Audit;
using Confide.Data;
using Confide.Data.Model;
using Confide.Identity;
using Confide.Messaging.Api;
using Confide.Platform;
using Microsoft.EntityFrameworkCore;

namespace Confide.Messaging.Subscriptions;

/// <summary>
/// Creates, changes and deletes the workspace's subscription types (Intercom's API has no
/// endpoint for it; these are Confide's own). Input is checked before the cell's writer; the
/// write numbers the type, refuses to delete one that contacts' consent records name, and
/// records each change in the activity log.
/// </summary>
internal sealed class SubscriptionTypeCommands(ActivityLog log, TimeProvider time)
{
    public const int MaxPerWorkspace = 100;
    public const int MaxTranslations = 50;
    public const int MaxNameLength = 255;
    public const int MaxDescriptionLength = 1000;

    private static readonly string[] ContentTypeNames = ["email", "sms_message"];

    public async Task<SubscriptionType> CreateAsync(CellDatabase cell, ApiCaller caller, SubscriptionTypeInput input, CancellationToken cancellationToken)
    {
        var consentType = input.ConsentType switch
        {
            null or "" => throw new ConfideException(ConfideError.ParameterMissing("consent_type")),
            ConsentTypes.OptIn => ConsentTypes.OptIn,
            ConsentTypes.OptOut => ConsentTypes.OptOut,
            _ => throw new ConfideException(ConfideError.ParameterInvalid("consent_type must be 'opt_in' or 'opt_out'")),
        };
        var state = ValidState(input.State) ?? SubscriptionTypeStates.Live;
        var contentTypes = ValidContentTypes(input.ContentTypes) ?? "email";
        var translations = ValidTranslations(input.DefaultTranslation ?? throw new ConfideException(ConfideError.ParameterMissing("default_translation")), input.Translations);
        var now = time.GetUtcNow();
        return await cell.Writer.WriteAsync(async (db, ct) =>
        {
            var types = db.SubscriptionTypes.Where(t => t.WorkspaceId == caller.WorkspaceId);
            if (await types.CountAsync(ct) >= MaxPerWorkspace)
            {
                throw new ConfideException(ConfideError.ParameterInvalid($"A workspace can have at most {MaxPerWorkspace} subscription types"));
            }

            var id = (await types.MaxAsync(t => (long?)t.Id, ct) ?? 0) + 1;
            var type = new SubscriptionType
            {
                WorkspaceId = caller.WorkspaceId, Id = id, State = state, ConsentType = consentType, ContentTypes = contentTypes,
                Translations = translations, AdminId = caller.TeammateId, CreatedAt = now, UpdatedAt = now,
            };
            db.SubscriptionTypes.Add(type);
            await log.AppendAsync(db, cell, caller.WorkspaceId, new ActivityEvent(
                ActivityTypes.SubscriptionTypeCreation, caller.Actor, "A subscription type was created.",
                new ActivityTarget("subscription_type", IdText(id)), State(type)), ct);
            return type;
        }, cancellationToken);
    }

    public async Task<SubscriptionType> UpdateAsync(CellDatabase cell, ApiCaller caller, string id, SubscriptionTypeInput input, CancellationToken cancellationToken)
    {
        var number = ParseId(id) ?? throw NotFound();
        var state = ValidState(input.State);
        var contentTypes = ValidContentTypes(input.ContentTypes);
        var translations = input.DefaultTranslation is { } given ? ValidTranslations(given, input.Translations) : null;
        if (input.DefaultTranslation is null && input.Translations is not null)
        {
            throw new ConfideException(ConfideError.ParameterInvalid("translations are replaced together with default_translation"));
        }

        return await cell.Writer.WriteAsync(async (db, ct) =>
        {
            var type = await db.SubscriptionTypes.AsTracking().FirstOrDefaultAsync(t => t.WorkspaceId == caller.WorkspaceId && t.Id == number, ct)
                ?? throw NotFound();
            if (input.ConsentType is { } consentType && consentType != type.ConsentType)
            {
                // What contacts agreed to cannot change under them: a new type is a new consent.
                throw new ConfideException(ConfideError.ParameterInvalid("consent_type cannot change; create a new subscription type"));
            }

            var before = State(type);
            type.State = state ?? type.State;
            type.ContentTypes = contentTypes ?? type.ContentTypes;
            type.Translations = translations ?? type.Translations;
            var after = State(type);
            if (before.ToJsonString() != after.ToJsonString())
            {
                type.UpdatedAt = time.GetUtcNow();
                await log.AppendAsync(db, cell, caller.WorkspaceId, new ActivityEvent(
                    ActivityTypes.SubscriptionTypeChange, caller.Actor, "A subscription type was changed.",
                    new ActivityTarget("subscription_type", IdText(type.Id)), new JsonObject { ["before"] = before, ["after"] = after }), ct);
            }

            return type;
        }, cancellationToken);
    }

    /// <summary>Deletes a type no consent record names; one that contacts have opted in to or out of is kept as proof and can only be archived (409).</summary>
    public async Task DeleteAsync(CellDatabase cell, ApiCaller caller, string id, CancellationToken cancellationToken)
    {
        var number = ParseId(id) ?? throw NotFound();
        await cell.Writer.WriteAsync(async (db, ct) =>
        {
            var type = await db.SubscriptionTypes.AsTracking().FirstOrDefaultAsync(t => t.WorkspaceId == caller.WorkspaceId && t.Id == number, ct)
                ?? throw NotFound();
            if (await db.ContactSubscriptionChanges.AnyAsync(c => c.WorkspaceId == caller.WorkspaceId && c.SubscriptionTypeId == number, ct))
            {
                throw new ConfideException(ConfideError.Conflict("Contacts' consent records name this subscription type; archive it (state archived) instead of deleting it"));
            }

            db.SubscriptionTypes.Remove(type);
            await log.AppendAsync(db, cell, caller.WorkspaceId, new ActivityEvent(
                ActivityTypes.SubscriptionTypeDeletion, caller.Actor, "A subscription type was deleted.",
                new ActivityTarget("subscription_type", IdText(type.Id)), State(type)), ct);
        }, cancellationToken);
    }

    public static long? ParseId(string? id) =>
        long.TryParse(id, NumberStyles.None, CultureInfo.InvariantCulture, out var number) && number > 0 ? number : null;

    public static string IdText(long id) => id.ToString(CultureInfo.InvariantCulture);

    public static ConfideException NotFound() => new(ConfideError.NotFound("Resource"));

    /// <summary>What the activity log records of a type: its settings and names (the workspace's own words, never a contact's).</summary>
    private static JsonObject State(SubscriptionType type) => new()
    {
        ["consent_type"] = type.ConsentType,
        ["state"] = type.State,
        ["content_types"] = new JsonArray([.. type.ContentTypes.Split(',', StringSplitOptions.RemoveEmptyEntries).Select(c => (JsonNode?)JsonValue.Create(c))]),
        ["name"] = SubscriptionTypeTranslations.DefaultName(type.Translations),
        ["locales"] = new JsonArray([.. SubscriptionTypeTranslations.Read(type.Translations).Select(t => (JsonNode?)JsonValue.Create(t.Locale))]),
    };

    private static string? ValidState(string? state) => state switch
    {
        null => null,
        _ when SubscriptionTypeStates.All.Contains(state, StringComparer.Ordinal) => state,
        _ => throw new ConfideException(ConfideError.ParameterInvalid("state must be 'live', 'draft' or 'archived'")),
    };

    private static string? ValidContentTypes(IReadOnlyList<string?>? contentTypes)
    {
        if (contentTypes is null)
        {
            return null;
        }

        if (contentTypes.Count == 0 || contentTypes.Any(c => c is null || !ContentTypeNames.Contains(c, StringComparer.Ordinal)))
        {
            throw new ConfideException(ConfideError.ParameterInvalid("content_types must list 'email' and/or 'sms_message'"));
        }

        return string.Join(',', ContentTypeNames.Where(n => contentTypes.Contains(n, StringComparer.Ordinal)));
    }

    /// <summary>The default translation first, then the others; one per locale.</summary>
    private static string ValidTranslations(SubscriptionTranslationInput defaultTranslation, IReadOnlyList<SubscriptionTranslationInput?>? others)
    {
        var all = new List<SubscriptionTranslation> { ValidTranslation(defaultTranslation, "default_translation") };
        foreach (var other in others ?? [])
        {
            var translation = ValidTranslation(other ?? throw new ConfideException(ConfideError.ParameterInvalid("translations must be objects")), "translations");
            if (translation.Locale == all[0].Locale && translation == all[0])
            {
                continue; // Intercom lists the default among the translations too.
            }

            if (all.Any(t => t.Locale == translation.Locale))
            {
                throw new ConfideException(ConfideError.ParameterInvalid("translations must name each locale once"));
            }

            all.Add(translation);
        }

        if (all.Count > MaxTranslations)
        {
            throw new ConfideException(ConfideError.ParameterInvalid($"A subscription type can have at most {MaxTranslations} translations"));
        }

        return SubscriptionTypeTranslations.Write(all);
    }

    private static SubscriptionTranslation ValidTranslation(SubscriptionTranslationInput input, string field)
    {
        var name = Text.Required(input.Name, $"{field}.name", MaxNameLength);
        var description = Text.Optional(input.Description, $"{field}.description", MaxDescriptionLength) ?? "";
        var locale = Text.Optional(input.Locale, $"{field}.locale", 10) ?? "en";
        if (!locale.All(c => char.IsAsciiLetter(c) || c == '-'))
        {
            throw new ConfideException(ConfideError.ParameterInvalid($"{field}.locale must be a language code such as 'en' or 'pt-BR'"));
        }

        return new SubscriptionTranslation(name, description, locale);
    }
}
