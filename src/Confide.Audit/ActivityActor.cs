namespace Confide.Audit;

/// <summary>
/// Who performed an activity, and through what. A teammate's email is not passed in: the log
/// reads it from the teammate's record in the same transaction, so it cannot be spoofed.
/// </summary>
/// <param name="Type"><c>admin</c> (a teammate), <c>system</c> (Confide itself or the operator's command line) or <c>staff</c>.</param>
/// <param name="Id">The teammate's id for admins; a fixed name (<c>confide</c>, <c>confide-cli</c>) for the system.</param>
/// <param name="Via"><c>web</c>, <c>api</c>, <c>cli</c> or <c>system</c>.</param>
/// <param name="Ip">The client's address as the server saw it, for web and API calls.</param>
/// <param name="TokenId">The API token used, for API calls.</param>
public sealed record ActivityActor(string Type, string Id, string Via, string? Ip = null, string? TokenId = null)
{
    public const string AdminType = "admin";
    public const string SystemType = "system";

    public bool IsTeammate => Type == AdminType;

    public static ActivityActor Teammate(string teammateId, string via, string? ip, string? tokenId = null) =>
        new(AdminType, teammateId, via, ip, tokenId);

    /// <summary>The operator's command line on the server host.</summary>
    public static ActivityActor CommandLine { get; } = new(SystemType, "confide-cli", "cli");

    /// <summary>Confide's single sign-on, acting on what a workspace's identity provider vouched for (e.g. just-in-time provisioning).</summary>
    public static ActivityActor SingleSignOn(string? ip) => new(SystemType, "sso", "web", ip);

    /// <summary>Confide itself (background jobs).</summary>
    public static ActivityActor Confide { get; } = new(SystemType, "confide", "system");
}

/// <summary>What an activity acted on, by type and id (never by a person's details).</summary>
public sealed record ActivityTarget(string Type, string Id);

/// <summary>One activity to record. <paramref name="Metadata"/> holds before/after values; never end users' personal data or content.</summary>
public sealed record ActivityEvent(
    string Type,
    ActivityActor Actor,
    string Description,
    ActivityTarget? Target = null,
    System.Text.Json.Nodes.JsonObject? Metadata = null);
