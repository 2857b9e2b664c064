using Confide.Crypto;
using Confide.Data;
using Confide.Data.Model;

namespace Confide.Messaging;

/// <summary>A teammate with their sealed fields opened, for rendering.</summary>
internal sealed record TeammateProfile(string Id, string Name, string Email, bool AwayMode)
{
    public static TeammateProfile From(Teammate teammate, WorkforceCipher cipher) =>
        new(teammate.Id, cipher.Name(teammate), cipher.Email(teammate), teammate.AwayMode);
}

/// <summary>
/// A workspace's teammates for one request, each opened only when first asked for: a
/// conversation or a page names a few of them, and opening one costs two decryptions.
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
