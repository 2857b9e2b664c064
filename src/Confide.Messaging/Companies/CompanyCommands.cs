using System.Text.Json;
using System.Text.Json.Nodes;
using Confide.Audit;
using Confide.Crypto;
using Confide.Data;
using Confide.Data.Model;
using Confide.Messaging.Api;
using Confide.Platform;
using Microsoft.EntityFrameworkCore;

namespace Confide.Messaging.Companies;

/// <summary>
/// Create, update and delete of companies, and attaching contacts to them. Input is checked
/// before the cell's writer; inside it only the lookups the write depends on, the write and its
/// activity-log entry (docs/companies.md).
/// </summary>
internal sealed class CompanyCommands(WorkspaceKeyRing keys, ActivityLog log, TimeProvider time)
{
    public const int MaxCustomAttributes = 250;
    public const int MaxCompaniesPerContact = 1000;

    /// <summary>Validated, normalised input; null members are left unchanged.</summary>
    private sealed record Changes(
        string? Name, bool SetName, string? Website, bool SetWebsite, string? Industry, bool SetIndustry, string? Plan, bool SetPlan,
        int? Size, int? MonthlySpend, DateTimeOffset? RemoteCreatedAt, JsonElement? CustomAttributes)
    {
        /// <summary>The names of the fields the input sets, for the activity log (never their values).</summary>
        public JsonArray Fields()
        {
            var fields = new JsonArray();
            void Add(bool set, string name)
            {
                if (set)
                {
                    fields.Add((JsonNode?)name);
                }
            }

            Add(SetName, "name");
            Add(SetWebsite, "website");
            Add(SetIndustry, "industry");
            Add(SetPlan, "plan");
            Add(Size is not null, "size");
            Add(MonthlySpend is not null, "monthly_spend");
            Add(RemoteCreatedAt is not null, "remote_created_at");
            Add(CustomAttributes is { ValueKind: not JsonValueKind.Null }, "custom_attributes");
            return fields;
        }
    }

    /// <summary>Intercom's <c>POST /companies</c>: the company with this <c>company_id</c> is updated, or created.</summary>
    public async Task<Company> CreateOrUpdateAsync(CellDatabase cell, string workspaceId, CompanyInput? input, ActivityActor actor, CancellationToken cancellationToken)
    {
        var externalId = Text.Required(input?.CompanyId, "company_id", 255);
        var changes = Validate(input!);
        var workforce = await keys.WorkforceAsync(cell, workspaceId, cancellationToken);
        var now = time.GetUtcNow();
        var newId = PublicIds.NewEntityId(time);
        return await cell.Writer.WriteAsync(async (db, ct) =>
        {
            var company = await db.Companies.FirstOrDefaultAsync(c => c.WorkspaceId == workspaceId && c.ExternalId == externalId, ct);
            var created = company is null;
            company ??= new Company { Id = newId, WorkspaceId = workspaceId, ExternalId = externalId, CreatedAt = now, UpdatedAt = now };
            Apply(company, changes, workforce);
            company.UpdatedAt = now;
            if (created)
            {
                db.Companies.Add(company);
            }

            await log.AppendAsync(db, cell, workspaceId, new ActivityEvent(
                created ? ActivityTypes.CompanyCreation : ActivityTypes.CompanyUpdate, actor,
                created ? "A company was created." : "A company was updated.",
                new ActivityTarget("company", company.Id), new JsonObject { ["fields"] = changes.Fields() }), ct);
            return company;
        }, cancellationToken);
    }

    /// <summary>Intercom's <c>PUT /companies/{id}</c>; <c>company_id</c> cannot change.</summary>
    public async Task<Company> UpdateAsync(CellDatabase cell, string workspaceId, string id, CompanyInput? input, ActivityActor actor, CancellationToken cancellationToken)
    {
        input ??= new CompanyInput(null, null, null, null, null, null, null, null, null);
        var changes = Validate(input);
        var requestedExternalId = Text.Optional(input.CompanyId, "company_id", 255);
        if (!PublicIds.IsEntityId(id))
        {
            throw new ConfideException(CompanyErrors.NotFound);
        }

        var workforce = await keys.WorkforceAsync(cell, workspaceId, cancellationToken);
        return await cell.Writer.WriteAsync(async (db, ct) =>
        {
            var company = await db.Companies.FirstOrDefaultAsync(c => c.WorkspaceId == workspaceId && c.Id == id, ct)
                ?? throw new ConfideException(CompanyErrors.NotFound);
            if (requestedExternalId is not null && requestedExternalId != company.ExternalId)
            {
                throw new ConfideException(ConfideError.ParameterInvalid("company_id cannot be changed once the company is created"));
            }

            Apply(company, changes, workforce);
            company.UpdatedAt = time.GetUtcNow();
            await log.AppendAsync(db, cell, workspaceId, new ActivityEvent(
                ActivityTypes.CompanyUpdate, actor, "A company was updated.",
                new ActivityTarget("company", company.Id), new JsonObject { ["fields"] = changes.Fields() }), ct);
            return company;
        }, cancellationToken);
    }

    /// <summary>Deletes the company, its contacts' links to it and its tags (the contacts and tags stay); returns how many contacts were detached.</summary>
    public async Task<int> DeleteAsync(CellDatabase cell, string workspaceId, string id, ActivityActor actor, CancellationToken cancellationToken)
    {
        if (!PublicIds.IsEntityId(id))
        {
            throw new ConfideException(CompanyErrors.NotFound);
        }

        return await cell.Writer.WriteAsync(async (db, ct) =>
        {
            if (!await db.Companies.AnyAsync(c => c.WorkspaceId == workspaceId && c.Id == id, ct))
            {
                throw new ConfideException(CompanyErrors.NotFound);
            }

            var detached = await db.ContactCompanies.Where(l => l.WorkspaceId == workspaceId && l.CompanyId == id).ExecuteDeleteAsync(ct);
            await db.CompanyTags.Where(t => t.WorkspaceId == workspaceId && t.CompanyId == id).ExecuteDeleteAsync(ct);
            await db.Companies.Where(c => c.WorkspaceId == workspaceId && c.Id == id).ExecuteDeleteAsync(ct);
            await log.AppendAsync(db, cell, workspaceId, new ActivityEvent(
                ActivityTypes.CompanyDeletion, actor, "A company was deleted.",
                new ActivityTarget("company", id), new JsonObject { ["contacts_detached"] = detached }), ct);
            return detached;
        }, cancellationToken);
    }

    /// <summary>Attaches the contact to the company (once; attaching again changes nothing).</summary>
    public async Task AttachAsync(CellDatabase cell, string workspaceId, string contactId, CompanyRefInput? input, CancellationToken cancellationToken)
    {
        var companyId = input?.Id?.Trim();
        if (string.IsNullOrEmpty(companyId))
        {
            throw new ConfideException(CompanyErrors.NotSpecified);
        }

        await cell.Writer.WriteAsync(async (db, ct) =>
        {
            await EnsureExistAsync(db, workspaceId, contactId, companyId, ct);
            if (await db.ContactCompanies.AnyAsync(l => l.ContactId == contactId && l.CompanyId == companyId, ct))
            {
                return;
            }

            if (await db.ContactCompanies.CountAsync(l => l.ContactId == contactId, ct) >= MaxCompaniesPerContact)
            {
                throw new ConfideException(CompanyErrors.LimitExceeded(MaxCompaniesPerContact));
            }

            db.ContactCompanies.Add(new ContactCompany { WorkspaceId = workspaceId, ContactId = contactId, CompanyId = companyId, CreatedAt = time.GetUtcNow() });
        }, cancellationToken);
    }

    /// <summary>Detaches the contact from the company; a contact that was not attached stays so.</summary>
    public static async Task DetachAsync(CellDatabase cell, string workspaceId, string contactId, string companyId, CancellationToken cancellationToken) =>
        await cell.Writer.WriteAsync(async (db, ct) =>
        {
            await EnsureExistAsync(db, workspaceId, contactId, companyId, ct);
            await db.ContactCompanies.Where(l => l.ContactId == contactId && l.CompanyId == companyId).ExecuteDeleteAsync(ct);
        }, cancellationToken);

    /// <summary>404 <c>not_found</c> for a contact not in the workspace (or being erased), then 404 <c>company_not_found</c>.</summary>
    private static async Task EnsureExistAsync(ConfideDbContext db, string workspaceId, string contactId, string companyId, CancellationToken ct)
    {
        await CompanyQueries.EnsureContactAsync(db, workspaceId, contactId, ct);
        if (!PublicIds.IsEntityId(companyId) || !await db.Companies.AnyAsync(c => c.WorkspaceId == workspaceId && c.Id == companyId, ct))
        {
            throw new ConfideException(CompanyErrors.NotFound);
        }
    }

    private static Changes Validate(CompanyInput input)
    {
        var monthlySpend = input.MonthlySpend switch
        {
            null => (int?)null,
            // Intercom keeps whole units: 155.98 is stored as 155.
            { } spend when double.IsFinite(spend) && spend >= 0 && spend <= int.MaxValue => (int)Math.Truncate(spend),
            _ => throw new ConfideException(ConfideError.ParameterInvalid($"monthly_spend must be between 0 and {int.MaxValue}")),
        };
        if (input.Size is < 0)
        {
            throw new ConfideException(ConfideError.ParameterInvalid("size must not be negative"));
        }

        var changes = new Changes(
            input.Name is null ? null : Text.Optional(input.Name, "name", 255), input.Name is not null,
            input.Website is null ? null : Text.Optional(input.Website, "website", 2048), input.Website is not null,
            input.Industry is null ? null : Text.Optional(input.Industry, "industry", 255), input.Industry is not null,
            input.Plan is null ? null : Text.Optional(input.Plan, "plan", 255), input.Plan is not null,
            input.Size,
            monthlySpend,
            input.RemoteCreatedAt is null ? null : Unix.FromSeconds(input.RemoteCreatedAt, "remote_created_at"),
            input.CustomAttributes);
        // Checked here, before the writer; merged with the stored ones inside it.
        MergeCustomAttributes("{}", changes.CustomAttributes);
        return changes;
    }

    private static void Apply(Company company, Changes changes, WorkforceCipher workforce)
    {
        if (changes.SetName)
        {
            company.Name = changes.Name;
        }

        if (changes.SetWebsite)
        {
            company.Website = changes.Website;
        }

        if (changes.SetIndustry)
        {
            company.Industry = changes.Industry;
        }

        if (changes.SetPlan)
        {
            company.Plan = changes.Plan;
        }

        company.Size = changes.Size ?? company.Size;
        company.MonthlySpend = changes.MonthlySpend ?? company.MonthlySpend;
        company.RemoteCreatedAt = changes.RemoteCreatedAt ?? company.RemoteCreatedAt;
        if (changes.CustomAttributes is { ValueKind: not JsonValueKind.Null })
        {
            var existing = company.EncryptedCustomAttributes is null ? "{}" : workforce.OpenCompanyAttributes(company.Id, company.EncryptedCustomAttributes);
            company.EncryptedCustomAttributes = workforce.SealCompanyAttributes(company.Id, MergeCustomAttributes(existing, changes.CustomAttributes));
        }
    }

    /// <summary>Merged key by key, as Intercom does; values must be flat (string, number, boolean, null).</summary>
    private static string MergeCustomAttributes(string existingJson, JsonElement? changes)
    {
        if (changes is not { } update || update.ValueKind == JsonValueKind.Null)
        {
            return existingJson;
        }

        if (update.ValueKind != JsonValueKind.Object)
        {
            throw new ConfideException(ConfideError.ParameterInvalid("custom_attributes must be an object"));
        }

        var merged = JsonNode.Parse(existingJson)!.AsObject();
        foreach (var property in update.EnumerateObject())
        {
            if (property.Name.Length is 0 or > 190)
            {
                throw new ConfideException(ConfideError.ParameterInvalid("custom_attributes names must be 1 to 190 characters"));
            }

            if (property.Value.ValueKind is JsonValueKind.Object or JsonValueKind.Array)
            {
                throw new ConfideException(ConfideError.ParameterInvalid("custom_attributes values must be strings, numbers, booleans or null"));
            }

            merged[property.Name] = JsonNode.Parse(property.Value.GetRawText());
        }

        if (merged.Count > MaxCustomAttributes)
        {
            throw new ConfideException(ConfideError.ParameterInvalid($"A company can have at most {MaxCustomAttributes} custom attributes"));
        }

        return merged.ToJsonString();
    }
}
