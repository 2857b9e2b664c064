using System.Text.Json;
using System.Text.Json.Nodes;
using Confide.Crypto;
using Confide.Data.Model;
using Confide.Messaging.Api;
using Confide.Messaging.Contacts;

namespace Confide.Messaging.Companies;

/// <summary>The Intercom company object. Confide keeps no sessions or segments: those are their empty values.</summary>
internal sealed record CompanyView(
    string Id,
    string CompanyId,
    string AppId,
    string Name,
    long? RemoteCreatedAt,
    long CreatedAt,
    long UpdatedAt,
    long? LastRequestAt,
    int? Size,
    string? Website,
    string? Industry,
    int MonthlySpend,
    int SessionCount,
    int UserCount,
    JsonElement CustomAttributes,
    CompanyTagListView Tags,
    JsonObject Plan)
{
    public string Type { get; } = "company";

    public CompanySegmentListView Segments { get; } = new();

    public static CompanyView From(Company company, WorkforceCipher cipher, IReadOnlyList<CompanyTagView> tags, int userCount)
    {
        var json = company.EncryptedCustomAttributes is null ? "{}" : cipher.OpenCompanyAttributes(company.Id, company.EncryptedCustomAttributes);
        using var attributes = JsonDocument.Parse(json);
        // Confide has no plan records: a plan is its name, which also serves as its id.
        var plan = company.Plan is null ? new JsonObject() : new JsonObject { ["type"] = "plan", ["id"] = company.Plan, ["name"] = company.Plan };
        return new CompanyView(
            company.Id,
            company.ExternalId,
            company.WorkspaceId,
            // The SDK types a company's name as a string, never null: a company without one has "".
            company.Name ?? "",
            Unix.Seconds(company.RemoteCreatedAt),
            Unix.Seconds(company.CreatedAt),
            Unix.Seconds(company.UpdatedAt),
            null,
            company.Size,
            company.Website,
            company.Industry,
            company.MonthlySpend,
            0,
            userCount,
            attributes.RootElement.Clone(),
            new CompanyTagListView(tags),
            plan);
    }
}

internal sealed record CompanyTagView(string Id, string Name)
{
    public string Type { get; } = "tag";
}

internal sealed record CompanyTagListView(IReadOnlyList<CompanyTagView> Tags)
{
    public string Type { get; } = "tag.list";
}

internal sealed record CompanySegmentListView
{
    public string Type { get; } = "segment.list";

    public IReadOnlyList<object> Segments { get; } = [];
}

/// <summary>A company as the contact object lists it: a reference with its URL.</summary>
internal sealed record CompanyRefView(string Id, string Url)
{
    public string Type { get; } = "company";
}

internal sealed record CompanyListView(IReadOnlyList<CompanyView> Data, int TotalCount, PagesView Pages)
{
    public string Type { get; } = "list";
}

/// <summary>A page of <c>GET /companies/scroll</c>; <see cref="ScrollParam"/> is null once a page comes back empty.</summary>
internal sealed record CompanyScrollView(IReadOnlyList<CompanyView> Data, int TotalCount, PagesView Pages, string? ScrollParam)
{
    public string Type { get; } = "list";
}

/// <summary>
/// <c>GET /contacts/{id}/companies</c>. Intercom's description names the array <c>companies</c>
/// while its examples (and its API) answer <c>data</c>: both are sent, with the same companies.
/// </summary>
internal sealed record ContactCompaniesView(IReadOnlyList<CompanyView> Data, int TotalCount, PagesLinkView Pages)
{
    public string Type { get; } = "list";

    public IReadOnlyList<CompanyView> Companies => Data;
}

/// <summary>Intercom's page-number <c>pages</c> object, without a <c>next</c> link: <see cref="Page"/> and <see cref="TotalPages"/> say whether there is more.</summary>
internal sealed record PagesLinkView(int Page, int PerPage, int TotalPages)
{
    public string Type { get; } = "pages";
}

internal sealed record CompanyContactsView(IReadOnlyList<ContactView> Data, int TotalCount, PagesView Pages)
{
    public string Type { get; } = "list";
}

internal sealed record CompanyDeletedView(string Id, bool Deleted)
{
    public string Object { get; } = "company";
}
