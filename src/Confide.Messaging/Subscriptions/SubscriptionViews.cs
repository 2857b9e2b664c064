using System.Text.Json.Serialization;
using Confide.Data.Model;
using Confide.Messaging.Api;

namespace Confide.Messaging.Subscriptions;

/// <summary>A translation as sent: <c>{"name","description","locale"}</c>.</summary>
internal sealed record SubscriptionTranslationInput(string? Name, string? Description, string? Locale);

/// <summary>Body of <c>POST /confide/subscription_types</c> and <c>PUT /confide/subscription_types/{id}</c> (absent members unchanged on PUT).</summary>
internal sealed record SubscriptionTypeInput(
    string? ConsentType,
    string? State,
    IReadOnlyList<string?>? ContentTypes,
    SubscriptionTranslationInput? DefaultTranslation,
    IReadOnlyList<SubscriptionTranslationInput?>? Translations);

/// <summary>Body of <c>POST /contacts/{id}/subscriptions</c>: the subscription type's id (a string or a number, as Intercom takes it) and its consent type.</summary>
internal sealed record ContactSubscriptionInput([property: JsonConverter(typeof(IntercomIdConverter))] string? Id, string? ConsentType);

internal sealed record SubscriptionTranslationView(string Name, string Description, string Locale)
{
    public static SubscriptionTranslationView From(SubscriptionTranslation t) => new(t.Name, t.Description, t.Locale);
}

/// <summary>Intercom's <c>subscription</c> object: a subscription type.</summary>
internal sealed record SubscriptionTypeView(
    string Id,
    string State,
    SubscriptionTranslationView DefaultTranslation,
    IReadOnlyList<SubscriptionTranslationView> Translations,
    string ConsentType,
    IReadOnlyList<string> ContentTypes)
{
    public string Type { get; } = "subscription";

    public static SubscriptionTypeView From(SubscriptionType type)
    {
        var translations = SubscriptionTypeTranslations.Read(type.Translations).Select(SubscriptionTranslationView.From).ToList();
        return new(
            type.Id.ToString(System.Globalization.CultureInfo.InvariantCulture), type.State, translations[0], translations, type.ConsentType,
            type.ContentTypes.Split(',', StringSplitOptions.RemoveEmptyEntries));
    }
}

internal sealed record SubscriptionTypeListView(IReadOnlyList<SubscriptionTypeView> Data)
{
    public string Type { get; } = "list";
}

/// <summary>What <c>DELETE /confide/subscription_types/{id}</c> answers.</summary>
internal sealed record SubscriptionTypeDeletedView(string Id)
{
    public string Object { get; } = "subscription";

    public bool Deleted { get; } = true;
}
