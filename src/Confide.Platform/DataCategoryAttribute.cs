namespace Confide.Platform;

/// <summary>
/// Declares what kind of data a persisted property holds, using fideslang-style keys
/// (<c>user.contact.email</c>, <c>user.content.message</c>, <c>system.operations</c>).
/// Every persisted property carries one (a test enforces it); the data map, export, erasure
/// and retention are driven from these declarations so they cannot drift from the code.
/// </summary>
[AttributeUsage(AttributeTargets.Property, Inherited = true)]
public sealed class DataCategoryAttribute(string category) : Attribute
{
    public string Category { get; } = category;
}

/// <summary>The categories in use, so a misspelt key fails to compile.</summary>
public static class DataCategories
{
    public const string SystemOperations = "system.operations";
    public const string SystemAuthentication = "system.authentication";
    public const string SystemKeyMaterial = "system.authentication.wrapped_key";
    public const string SystemIntegrity = "system.integrity";
    public const string UserId = "user.unique_id";
    public const string UserName = "user.name";
    public const string UserEmail = "user.contact.email";
    public const string UserPhone = "user.contact.phone_number";
    public const string UserCustom = "user.custom";
    public const string UserBehavior = "user.behavior";

    /// <summary>A contact's choices about what they receive (opting in to or out of a subscription type): the consent records.</summary>
    public const string UserPrivacyPreferences = "user.privacy_preferences";
    public const string UserMessage = "user.content.message";
    public const string UserNote = "user.content.note";
    public const string UserDerivedIndex = "user.derived.blind_index";
    public const string EmployeeName = "user.workforce.name";
    public const string EmployeeEmail = "user.workforce.contact.email";
    public const string EmployeePhone = "user.workforce.contact.phone_number";
    public const string EmployeeActivity = "user.workforce.activity";
    public const string WorkspaceSetting = "system.workspace.setting";

    /// <summary>The id a workspace gave one of its customers' companies (Intercom's <c>company_id</c>): a business's record, not a person's.</summary>
    public const string OrganizationId = "organization.unique_id";

    /// <summary>A company's name, website, industry, plan, size and spend: a business's record, kept in clear for lookups and lists.</summary>
    public const string OrganizationProfile = "organization.profile";

    /// <summary>A company's custom attributes: free-form, so they may name people; sealed under the workspace key.</summary>
    public const string OrganizationCustom = "organization.custom";
}
