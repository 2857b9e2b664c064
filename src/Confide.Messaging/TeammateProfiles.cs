using Confide.Crypto;
using Confide.Data;
using Confide.Data.Model;
using Confide.Identity;
using Microsoft.EntityFrameworkCore;

namespace Confide.Messaging;

/// <summary>A teammate with their sealed fields opened, for rendering.</summary>
/// <param name="Name">Their display name, or (for colleagues and the API, who see the email anyway) their email when they have none.</param>
/// <param name="CustomerName">What customers see: the display name, or a neutral word, never the email or the role.</param>
/// <param name="AwayModeReassign">While away, new replies go back to the unassigned inbox (stored and shown; Intercom's <c>away_mode_reassign</c>).</param>
internal sealed record TeammateProfile(string Id, string Name, string Email, bool AwayMode, string CustomerName, bool AwayModeReassign = false)
{
    public static TeammateProfile From(Teammate teammate, WorkforceCipher cipher)
    {
        var name = cipher.Name(teammate);
        var email = cipher.Email(teammate);
        return new(teammate.Id, TeammateDisplayNames.OrFallback(name, email), email, teammate.AwayMode,
            TeammateDisplayNames.OrFallback(name, TeammateDisplayNames.CustomerFallback), teammate.AwayModeReassign);
    }
}

/// <summary>
/// The teammates one request names, each opened only when first asked for: opening one costs
/// two decryptions.
/// </summary>
internal sealed class TeammateDirectory
{
    private readonly Dictionary<string, Teammate> _teammates;
    private readonly WorkforceCipher _cipher;
    private readonly Dictionary<string, TeammateProfile> _opened = [];

    private TeammateDirectory(Dictionary<string, Teammate> teammates, WorkforceCipher cipher)
    {
        _teammates = teammates;
        _cipher = cipher;
    }

    // Runs on every conversation read: compiled once rather than translated per call.
    private static readonly CompiledPerProvider<Func<ConfideDbContext, string, string[], IAsyncEnumerable<Teammate>>> TeammatesByIds = new(() =>
        EF.CompileAsyncQuery<ConfideDbContext, string, string[], Teammate>((db, workspaceId, ids) =>
            db.Teammates.AsNoTracking().Where(t => t.WorkspaceId == workspaceId && ids.Contains(t.Id))));

    /// <summary>
    /// The workspace's teammates among <paramref name="ids"/> (nulls and unknown ids are skipped):
    /// a read names a few authors, so it loads those rows rather than every teammate's.
    /// </summary>
    public static async Task<TeammateDirectory> LoadAsync(ConfideDbContext db, ContactKeyRing keys, CellDatabase cell, string workspaceId, IEnumerable<string?> ids, CancellationToken ct)
    {
        var wanted = ids.OfType<string>().Distinct(StringComparer.Ordinal).ToArray();
        var teammates = new Dictionary<string, Teammate>(wanted.Length, StringComparer.Ordinal);
        if (wanted.Length > 0)
        {
            await foreach (var teammate in TeammatesByIds.For(db)(db, workspaceId, wanted).WithCancellation(ct))
            {
                teammates[teammate.Id] = teammate;
            }
        }

        return await LoadAsync(teammates.Values, keys, cell, workspaceId, ct);
    }

    /// <summary>The teammates a thread names as authors: those of its admin parts.</summary>
    public static IEnumerable<string> AdminAuthorsOf(IEnumerable<ConversationPart> parts) =>
        parts.Where(p => p.AuthorType == "admin").Select(p => p.AuthorId);

    /// <summary>A directory of rows the caller has already read.</summary>
    public static async Task<TeammateDirectory> LoadAsync(IEnumerable<Teammate> teammates, ContactKeyRing keys, CellDatabase cell, string workspaceId, CancellationToken ct) =>
        new(teammates.ToDictionary(t => t.Id), await keys.WorkspaceKeys.WorkforceAsync(cell, workspaceId, ct));

    /// <summary>The teammate with this id, or null when the workspace has none.</summary>
    public TeammateProfile? Find(string id)
    {
        if (!_opened.TryGetValue(id, out var profile) && _teammates.TryGetValue(id, out var teammate))
        {
            profile = TeammateProfile.From(teammate, _cipher);
            _opened[id] = profile;
        }

        return profile;
    }
}
