using System.Net;
using System.Text.Json;
using Confide.Platform;

namespace Confide.Messaging.Companies;

/// <summary>Body of <c>POST /companies</c> and <c>PUT /companies/{id}</c>; absent fields stay unchanged on update.</summary>
internal sealed record CompanyInput(
    string? CompanyId,
    string? Name,
    string? Plan,
    int? Size,
    string? Website,
    string? Industry,
    JsonElement? CustomAttributes,
    long? RemoteCreatedAt,
    double? MonthlySpend);

/// <summary>Body of <c>POST /contacts/{id}/companies</c>: the company's own id.</summary>
internal sealed record CompanyRefInput(string? Id);

/// <summary>One company of a <c>POST /tags</c> body that tags or untags companies.</summary>
internal sealed record CompanyTagItem(string? Id, string? CompanyId, bool? Untag);

/// <summary>Intercom's error codes for companies.</summary>
internal static class CompanyErrors
{
    public static ConfideError NotFound { get; } = new(HttpStatusCode.NotFound, "company_not_found", "Company Not Found");

    public static ConfideError NotSpecified { get; } = new(HttpStatusCode.BadRequest, "parameter_not_found", "company not specified");

    public static ConfideError LimitExceeded(int max) =>
        new(HttpStatusCode.BadRequest, "contact_company_limit_exceeded", $"Contact has reached the maximum of {max} company associations");
}
