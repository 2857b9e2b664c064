namespace Confide.Server.Pages.App;

/// <summary>
/// The permission a teammate page needs in the selected workspace, like an API endpoint's
/// <c>RequirePermission</c>. Every <see cref="TeammatePageModel"/> declares one (a test checks);
/// actions inside a page that need more check <see cref="TeammatePageModel.Can"/>.
/// </summary>
[AttributeUsage(AttributeTargets.Class, Inherited = false)]
public sealed class PagePermissionAttribute(string permission) : Attribute
{
    public string Permission { get; } = permission;
}
