using Confide.Data.Model;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Confide.Data.Configurations;

internal sealed class PrivacyRequestConfiguration : IEntityTypeConfiguration<PrivacyRequest>
{
    public void Configure(EntityTypeBuilder<PrivacyRequest> e)
    {
        e.Property(r => r.Id).HasMaxLength(24);
        e.Property(r => r.Kind).HasMaxLength(16);
        e.Property(r => r.State).HasMaxLength(16);
        e.Property(r => r.ReceivedVia).HasMaxLength(16);
        e.Property(r => r.ContactId).HasMaxLength(24);
        e.Property(r => r.SubjectIdentifierType).HasMaxLength(16);
        e.Property(r => r.SubjectLookup).HasMaxLength(64);
        e.Property(r => r.CreatedById).HasMaxLength(24);
        // The privacy centre's list: by state, ordered by the deadline in force.
        e.HasIndex(r => new { r.WorkspaceId, r.State, r.DeadlineAt, r.Id });
        e.HasIndex(r => new { r.WorkspaceId, r.DeadlineAt, r.Id });
        // A subject's requests, by contact or by the keyed hash of what they gave.
        e.HasIndex(r => new { r.WorkspaceId, r.ContactId });
        e.HasIndex(r => new { r.WorkspaceId, r.SubjectLookup });
        e.HasOne<Workspace>().WithMany().HasForeignKey(r => r.WorkspaceId);
    }
}
