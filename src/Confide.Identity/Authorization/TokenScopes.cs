namespace Confide.Identity.Authorization;

/// <summary>An API token's scopes: a space-separated subset of its teammate's permissions, or null for all of them.</summary>
public static class TokenScopes
{
    public static IReadOnlyList<string> Parse(string? scopes) =>
        scopes is null ? [] : scopes.Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    /// <summary>
    /// The role's permissions that the scopes allow (all of them for a full-scope token). A scope
    /// allows what it implies too (<see cref="Permissions.WithImplied"/>): a token scoped to
    /// <c>conversations.read.team</c> reads the conversations assigned to its teammate as well.
    /// </summary>
    public static IEnumerable<string> Effective(IReadOnlySet<string> rolePermissions, string? scopes) =>
        scopes is null ? rolePermissions : Permissions.WithImplied(Parse(scopes)).Where(rolePermissions.Contains);

    public static string Format(IEnumerable<string> scopes) => string.Join(' ', scopes.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal));
}
