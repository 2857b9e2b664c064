using Microsoft.AspNetCore.Identity;

namespace Confide.Data.Model;

/// <summary>
/// A teammate's sign-in identity within one region (ASP.NET Core Identity user). One account
/// may be a <see cref="Teammate"/> of several workspaces of the same region.
/// Identity's own columns are classified in <see cref="ConfideDbContext"/>.
/// </summary>
public sealed class TeammateAccount : IdentityUser;
