using Confide.Crypto;
using Confide.Data;
using Confide.Data.Model;

namespace Confide.Messaging;

/// <summary>A teammate with their sealed fields opened, for rendering.</summary>
internal sealed record TeammateProfile(string Id, string Name, string Email, bool AwayMode)
{
    public static TeammateProfile From(Teammate teammate, WorkforceCipher cipher) =>
        new(teammate.Id, cipher.Name(teammate), cipher.Email(teammate), teammate.AwayMode);

    /// <summary>Opens a workspace's teammates, by id.</summary>
    public static async Task<Dictionary<string, TeammateProfile>> ByIdAsync(IEnumerable<Teammate> teammates, ContactKeyRing keys, CellDatabase cell, string workspaceId, CancellationToken ct)
    {
        var cipher = await keys.WorkspaceKeys.WorkforceAsync(cell, workspaceId, ct);
        return teammates.Select(t => From(t, cipher)).ToDictionary(t => t.Id);
    }
}
