using Confide.Data.Model;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Confide.Data.Configurations;

internal sealed class LegalHoldConfiguration : IEntityTypeConfiguration<LegalHold>
{
    public void Configure(EntityTypeBuilder<LegalHold> e)
    {
        e.Property(h => h.Id).HasMaxLength(24);
        e.Property(h => h.WorkspaceId).HasMaxLength(32);
        e.Property(h => h.TargetType).HasMaxLength(16);
        e.Property(h => h.TargetId).HasMaxLength(32);
        e.Property(h => h.SetByType).HasMaxLength(16);
        e.Property(h => h.SetById).HasMaxLength(32);
        e.Property(h => h.ReleasedByType).HasMaxLength(16);
        e.Property(h => h.ReleasedById).HasMaxLength(32);
        e.HasOne<Workspace>().WithMany().HasForeignKey(h => h.WorkspaceId).OnDelete(DeleteBehavior.Cascade);
        // Every deletion path asks "is this target held?": by workspace and target.
        e.HasIndex(h => new { h.WorkspaceId, h.TargetType, h.TargetId });
    }
}
