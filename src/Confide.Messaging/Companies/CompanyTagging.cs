using Confide.Data;
using Confide.Data.Model;
using Confide.Messaging.Api;
using Confide.Platform;
using Microsoft.EntityFrameworkCore;

namespace Confide.Messaging.Companies;

/// <summary>
/// Intercom tags companies through <c>POST /tags</c> with a <c>companies</c> array: each named by
/// <c>id</c> or <c>company_id</c>, untagged when it carries <c>"untag": true</c>. The tag is found
/// by name and created when it does not exist yet (not for an untag-only request). One unknown
/// company refuses the whole request, and nothing is changed.
/// </summary>
internal sealed class CompanyTagging(TimeProvider time)
{
    public const int MaxCompanies = 1000;

    public async Task<Tag> TagAsync(CellDatabase cell, string workspaceId, string? tagName, IReadOnlyList<CompanyTagItem?> items, CancellationToken cancellationToken)
    {
        var name = Text.Required(tagName, "name", 255);
        if (items.Count is 0 or > MaxCompanies)
        {
            throw new ConfideException(ConfideError.ParameterInvalid($"companies must list 1 to {MaxCompanies} companies"));
        }

        var wanted = new List<(string? Id, string? ExternalId, bool Untag)>(items.Count);
        foreach (var item in items)
        {
            var id = item?.Id?.Trim();
            var externalId = item?.CompanyId?.Trim();
            if (string.IsNullOrEmpty(id) && string.IsNullOrEmpty(externalId))
            {
                throw new ConfideException(ConfideError.ParameterInvalid("each company needs an id or a company_id"));
            }

            wanted.Add((string.IsNullOrEmpty(id) ? null : id, string.IsNullOrEmpty(externalId) ? null : externalId, item?.Untag == true));
        }

        var ids = wanted.Where(w => w.Id is not null).Select(w => w.Id!).Distinct(StringComparer.Ordinal).ToList();
        var externalIds = wanted.Where(w => w.Id is null).Select(w => w.ExternalId!).Distinct(StringComparer.Ordinal).ToList();
        var now = time.GetUtcNow();
        var newTagId = PublicIds.NewEntityId(time);
        return await cell.Writer.WriteAsync(async (db, ct) =>
        {
            var found = await db.Companies.AsNoTracking().InWorkspace(workspaceId)
                .Where(c => ids.Contains(c.Id) || externalIds.Contains(c.ExternalId))
                .Select(c => new { c.Id, c.ExternalId })
                .ToListAsync(ct);
            var byId = found.ToDictionary(c => c.Id, StringComparer.Ordinal);
            var byExternalId = found.ToDictionary(c => c.ExternalId, c => c.Id, StringComparer.Ordinal);
            var targets = new List<(string CompanyId, bool Untag)>(wanted.Count);
            foreach (var (id, externalId, untag) in wanted)
            {
                var companyId = id is not null
                    ? byId.TryGetValue(id, out var company) ? company.Id : null
                    : byExternalId.GetValueOrDefault(externalId!);
                targets.Add((companyId ?? throw new ConfideException(CompanyErrors.NotFound), untag));
            }

            var tag = await db.Tags.FirstOrDefaultAsync(t => t.WorkspaceId == workspaceId && t.Name == name, ct);
            if (tag is null)
            {
                if (targets.All(t => t.Untag))
                {
                    throw new ConfideException(ConfideError.NotFound("Tag"));
                }

                tag = new Tag { Id = newTagId, WorkspaceId = workspaceId, Name = name, CreatedAt = now };
                db.Tags.Add(tag);
            }

            var tagId = tag.Id;
            var untagged = targets.Where(t => t.Untag).Select(t => t.CompanyId).Distinct(StringComparer.Ordinal).ToList();
            if (untagged.Count > 0)
            {
                await db.CompanyTags.Where(l => l.TagId == tagId && untagged.Contains(l.CompanyId)).ExecuteDeleteAsync(ct);
            }

            var tagged = targets.Where(t => !t.Untag).Select(t => t.CompanyId).Distinct(StringComparer.Ordinal).Except(untagged, StringComparer.Ordinal).ToList();
            var already = await db.CompanyTags.Where(l => l.TagId == tagId && tagged.Contains(l.CompanyId)).Select(l => l.CompanyId).ToListAsync(ct);
            foreach (var companyId in tagged.Except(already, StringComparer.Ordinal))
            {
                db.CompanyTags.Add(new CompanyTag { WorkspaceId = workspaceId, CompanyId = companyId, TagId = tagId, CreatedAt = now });
            }

            return tag;
        }, cancellationToken);
    }
}
