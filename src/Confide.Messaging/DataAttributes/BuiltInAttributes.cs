using Confide.Data.Model;

namespace Confide.Messaging.DataAttributes;

/// <summary>
/// The fields Confide's models have of their own, listed by <c>GET /data_attributes</c> before the
/// workspace's custom attributes. Only fields Confide stores and serves are listed.
/// </summary>
internal static class BuiltInAttributes
{
    private sealed record Field(string Name, string Label, string Description, string DataType, bool ApiWritable);

    private static readonly Dictionary<string, Field[]> ByModel = new(StringComparer.Ordinal)
    {
        [DataAttributeModels.Contact] =
        [
            new("id", "ID", "The contact's id in Confide", DataAttributeTypes.StringType, false),
            new("role", "Role", "Whether the contact is a user or a lead", DataAttributeTypes.StringType, true),
            new("external_id", "User ID", "Your own id of the user", DataAttributeTypes.StringType, true),
            new("email", "Email", "The contact's email address", DataAttributeTypes.StringType, true),
            new("phone", "Phone", "The contact's phone number", DataAttributeTypes.StringType, true),
            new("name", "Name", "The contact's name", DataAttributeTypes.StringType, true),
            new("signed_up_at", "Signed up", "When the user signed up in your product", DataAttributeTypes.DateType, true),
            new("last_seen_at", "Last seen", "When the contact was last seen", DataAttributeTypes.DateType, true),
            new("archived", "Archived", "Whether the contact is archived", DataAttributeTypes.BooleanType, false),
            new("created_at", "Created at", "When the contact was created in Confide", DataAttributeTypes.DateType, false),
            new("updated_at", "Updated at", "When the contact was last changed", DataAttributeTypes.DateType, false),
        ],
        [DataAttributeModels.Company] =
        [
            new("id", "ID", "The company's id in Confide", DataAttributeTypes.StringType, false),
            new("company_id", "Company ID", "Your own id of the company", DataAttributeTypes.StringType, true),
            new("name", "Company name", "The company's name", DataAttributeTypes.StringType, true),
            new("website", "Company website", "The company's website address", DataAttributeTypes.StringType, true),
            new("industry", "Company industry", "The company's industry", DataAttributeTypes.StringType, true),
            new("size", "Company size", "The number of people the company employs", DataAttributeTypes.IntegerType, true),
            new("monthly_spend", "Monthly spend", "What the company pays you per month", DataAttributeTypes.FloatType, true),
            new("remote_created_at", "Company created at", "When the company was created in your product", DataAttributeTypes.DateType, true),
            new("user_count", "People", "The number of contacts in the company", DataAttributeTypes.IntegerType, false),
            new("created_at", "Created at", "When the company was created in Confide", DataAttributeTypes.DateType, false),
            new("updated_at", "Updated at", "When the company was last changed", DataAttributeTypes.DateType, false),
        ],
        [DataAttributeModels.Conversation] =
        [
            new("id", "ID", "The conversation's id in Confide", DataAttributeTypes.StringType, false),
            new("title", "Title", "The conversation's title", DataAttributeTypes.StringType, false),
            new("state", "State", "open or closed", DataAttributeTypes.StringType, false),
            new("open", "Open", "Whether the conversation is open", DataAttributeTypes.BooleanType, false),
            new("read", "Read", "Whether the last message was read by a teammate", DataAttributeTypes.BooleanType, false),
            new("admin_assignee_id", "Teammate assigned", "The teammate the conversation is assigned to", DataAttributeTypes.StringType, false),
            new("team_assignee_id", "Team assigned", "The team the conversation is assigned to", DataAttributeTypes.StringType, false),
            new("created_at", "Created at", "When the conversation started", DataAttributeTypes.DateType, false),
            new("updated_at", "Updated at", "When the conversation last changed", DataAttributeTypes.DateType, false),
        ],
    };

    public static IReadOnlyList<string> Models { get; } = [DataAttributeModels.Contact, DataAttributeModels.Company, DataAttributeModels.Conversation];

    public static IEnumerable<DataAttributeView> Of(string model) =>
        ByModel[model].Select(f => new DataAttributeView(
            null, model, f.Name, f.Name, f.Label, f.Description, f.DataType, null, f.ApiWritable, UiWritable: false, MessengerWritable: false,
            Custom: false, Archived: false, null, null, null));
}
