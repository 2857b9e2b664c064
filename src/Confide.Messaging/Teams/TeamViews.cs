namespace Confide.Messaging.Teams;

/// <summary>Intercom's team object.</summary>
internal sealed record TeamView(string Id, string Name, IReadOnlyList<string> AdminIds)
{
    public string Type { get; } = "team";
}

internal sealed record TeamListView(IReadOnlyList<TeamView> Teams)
{
    public string Type { get; } = "team.list";
}

internal sealed record TeamDeletedView(string Id, bool Deleted)
{
    public string Type { get; } = "team";
}

/// <summary>Body of <c>POST /confide/teams</c> and <c>PUT /confide/teams/{id}</c>; on a PUT, what is absent stays as it is.</summary>
internal sealed record TeamInput(string? Name, string[]? AdminIds);
