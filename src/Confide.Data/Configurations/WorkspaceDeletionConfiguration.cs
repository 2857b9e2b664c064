using Confide.Data.Model;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Confide.Data.Configurations;

internal sealed class WorkspaceDeletionConfiguration : IEntityTypeConfiguration<WorkspaceDeletion>
{
    public void Configure(EntityTypeBuilder<WorkspaceDeletion> e)
    {
        e.Property(d => d.Id).HasMaxLength(24);
        e.Property(d => d.WorkspaceId).HasMaxLength(32);
        e.Property(d => d.Region).HasMaxLength(16);
        e.Property(d => d.DestroyedKeyIds).HasMaxLength(4000);
        e.Property(d => d.ActivityLogRootHash).HasMaxLength(64);
        e.Property(d => d.Categories).HasMaxLength(4000);
        e.Property(d => d.SigningKeyId).HasMaxLength(32);
        // A workspace is deleted once. No foreign key to the workspace: this row outlives it.
        e.HasIndex(d => d.WorkspaceId).IsUnique();
    }
}
