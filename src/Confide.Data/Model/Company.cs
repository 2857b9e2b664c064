using Confide.Platform;

namespace Confide.Data.Model;

/// <summary>
/// A company the workspace's contacts belong to (Intercom's companies). Its profile is the
/// workspace's business record of an organisation, kept in clear so that lookups by
/// <c>company_id</c> and name and the lists work; its custom attributes are free-form and may
/// name people, so they are stored only sealed under the workspace key (docs/companies.md).
/// </summary>
public sealed class Company
{
    [DataCategory(DataCategories.SystemOperations)]
    public required string Id { get; init; }

    [DataCategory(DataCategories.SystemOperations)]
    public required string WorkspaceId { get; init; }

    /// <summary>The id the workspace gave the company (Intercom's <c>company_id</c>): unique in the workspace, set once.</summary>
    [DataCategory(DataCategories.OrganizationId)]
    public required string ExternalId { get; init; }

    [DataCategory(DataCategories.OrganizationProfile)]
    public string? Name { get; set; }

    [DataCategory(DataCategories.OrganizationProfile)]
    public string? Website { get; set; }

    [DataCategory(DataCategories.OrganizationProfile)]
    public string? Industry { get; set; }

    /// <summary>The name of the company's plan.</summary>
    [DataCategory(DataCategories.OrganizationProfile)]
    public string? Plan { get; set; }

    /// <summary>The number of employees.</summary>
    [DataCategory(DataCategories.OrganizationProfile)]
    public int? Size { get; set; }

    /// <summary>Revenue from the company, in whole units.</summary>
    [DataCategory(DataCategories.OrganizationProfile)]
    public int MonthlySpend { get; set; }

    /// <summary>When the workspace's own system created the company.</summary>
    [DataCategory(DataCategories.OrganizationProfile)]
    public DateTimeOffset? RemoteCreatedAt { get; set; }

    /// <summary>Custom attributes as a JSON object, sealed under the workspace key; null means none.</summary>
    [DataCategory(DataCategories.OrganizationCustom)]
    public byte[]? EncryptedCustomAttributes { get; set; }

    [DataCategory(DataCategories.SystemOperations)]
    public DateTimeOffset CreatedAt { get; init; }

    [DataCategory(DataCategories.SystemOperations)]
    public DateTimeOffset UpdatedAt { get; set; }
}

/// <summary>A contact attached to a company. Erased with the contact, deleted with the company.</summary>
public sealed class ContactCompany
{
    [DataCategory(DataCategories.SystemOperations)]
    public required string WorkspaceId { get; init; }

    [DataCategory(DataCategories.SystemOperations)]
    public required string ContactId { get; init; }

    [DataCategory(DataCategories.SystemOperations)]
    public required string CompanyId { get; init; }

    [DataCategory(DataCategories.SystemOperations)]
    public DateTimeOffset CreatedAt { get; init; }
}

/// <summary>A tag applied to a company.</summary>
public sealed class CompanyTag
{
    [DataCategory(DataCategories.SystemOperations)]
    public required string WorkspaceId { get; init; }

    [DataCategory(DataCategories.SystemOperations)]
    public required string CompanyId { get; init; }

    [DataCategory(DataCategories.SystemOperations)]
    public required string TagId { get; init; }

    [DataCategory(DataCategories.SystemOperations)]
    public DateTimeOffset CreatedAt { get; init; }
}
