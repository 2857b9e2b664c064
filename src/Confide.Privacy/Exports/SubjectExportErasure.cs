using Confide.Data;
using Confide.Data.Model;
using Confide.Messaging.Contacts;
using Microsoft.EntityFrameworkCore;

namespace Confide.Privacy.Exports;

/// <summary>
/// An erased subject's exports go with them: their archives are sealed under the workspace's key,
/// not the contact's, so destroying the contact key alone would leave them readable until they
/// expire. A queued export is cancelled; a running one stops by itself when it finds the subject gone.
/// </summary>
internal sealed class SubjectExportErasure(SubjectExportFiles files) : IContactErasureCompletion
{
    public Task PrepareAsync(CellDatabase cell, CancellationToken cancellationToken) => Task.CompletedTask;

    public async Task CompleteAsync(ConfideDbContext db, CellDatabase cell, ErasedContact erased, CancellationToken cancellationToken)
    {
        // The payload holds ids only ({"request":…,"contact":…}); the contact id is matched exactly, quoted.
        var contactMember = $"\"contact\":\"{erased.ContactId}\"";
        var exports = await db.Jobs
            .Where(j => j.WorkspaceId == erased.WorkspaceId && j.Kind == SubjectExportJob.JobKind && j.Payload != null && j.Payload.Contains(contactMember))
            .ToListAsync(cancellationToken);
        foreach (var export in exports)
        {
            // A running export stops by itself at its next step, finding the subject gone, and deletes what it wrote.
            if (export.State == JobStates.Queued)
            {
                export.State = JobStates.Cancelled;
            }

            // Deleted now rather than after the commit: the contact's key is already destroyed, so
            // this erasure completes whatever happens to this transaction (the sweep retries it).
            files.Delete(cell.Region, export.Id);
        }
    }
}
