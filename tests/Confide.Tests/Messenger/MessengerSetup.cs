using Confide.Data.Model;
using Confide.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace Confide.Tests.Messenger;

/// <summary>Messenger settings written straight to the cell, for tests about something else.</summary>
internal static class MessengerSetup
{
    public static async Task AllowOriginsAsync(TestServer server, TestWorkspace workspace, string origins)
    {
        await using var db = server.Cell(workspace.Region).CreateTrackingContext();
        var settings = await db.MessengerSettings.FirstOrDefaultAsync(m => m.WorkspaceId == workspace.Id);
        if (settings is null)
        {
            db.MessengerSettings.Add(new MessengerSettings { WorkspaceId = workspace.Id, AllowedOrigins = origins, UpdatedAt = DateTimeOffset.UtcNow });
        }
        else
        {
            settings.AllowedOrigins = origins;
        }

        await db.SaveChangesAsync();
    }
}
