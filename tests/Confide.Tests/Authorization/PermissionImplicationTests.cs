using Confide.Identity.Authorization;

namespace Confide.Tests.Authorization;

/// <summary>The conversation read permissions nest: all, then team, then assigned.</summary>
public sealed class PermissionImplicationTests
{
    [Fact]
    public void ReadingWider_ImpliesTheNarrowerReads_AndNothingElse()
    {
        Assert.Equal(
            new[] { Permissions.ConversationsReadAll, Permissions.ConversationsReadAssigned, Permissions.ConversationsReadTeam }.Order(StringComparer.Ordinal),
            Permissions.WithImplied([Permissions.ConversationsReadAll]).Order(StringComparer.Ordinal));
        Assert.Equal(
            new[] { Permissions.ConversationsReadAssigned, Permissions.ConversationsReadTeam, Permissions.ContactsRead }.Order(StringComparer.Ordinal),
            Permissions.WithImplied([Permissions.ConversationsReadTeam, Permissions.ContactsRead]).Order(StringComparer.Ordinal));
        Assert.Equal([Permissions.ConversationsReadAssigned], Permissions.WithImplied([Permissions.ConversationsReadAssigned]));
    }

    [Fact]
    public void AWorkspaceRole_AndATokenScope_HoldWhatTheirPermissionsImply()
    {
        var role = RolePermissions.Resolve("0123456789abcdef01234567", Permissions.ConversationsReadTeam);
        Assert.Equal(new[] { Permissions.ConversationsReadAssigned, Permissions.ConversationsReadTeam }.Order(StringComparer.Ordinal), role.Order(StringComparer.Ordinal));

        // A scope never reaches beyond the role: read.team scoped on a read.assigned role is read.assigned.
        var assignedOnly = RolePermissions.Resolve("0123456789abcdef01234567", Permissions.ConversationsReadAssigned);
        Assert.Equal([Permissions.ConversationsReadAssigned], TokenScopes.Effective(assignedOnly, Permissions.ConversationsReadTeam));
        var owner = BuiltInRoles.PermissionsOf("owner");
        Assert.Equal(
            new[] { Permissions.ConversationsReadAssigned, Permissions.ConversationsReadTeam }.Order(StringComparer.Ordinal),
            TokenScopes.Effective(owner, Permissions.ConversationsReadTeam).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void EveryBuiltInRole_ListsWhatItsPermissionsImply()
    {
        Assert.All(BuiltInRoles.Names, role =>
            Assert.Equal(BuiltInRoles.PermissionsOf(role).Order(StringComparer.Ordinal), Permissions.WithImplied(BuiltInRoles.PermissionsOf(role)).Order(StringComparer.Ordinal)));
    }
}
