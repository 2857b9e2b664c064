using Confide.Data.Model;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Confide.Data.Configurations;

internal sealed class RetentionRuleSettingConfiguration : IEntityTypeConfiguration<RetentionRuleSetting>
{
    public void Configure(EntityTypeBuilder<RetentionRuleSetting> e)
    {
        e.HasKey(s => new { s.WorkspaceId, s.Subject });
        e.Property(s => s.WorkspaceId).HasMaxLength(32);
        e.Property(s => s.Subject).HasMaxLength(32);
        e.Property(s => s.UpdatedByType).HasMaxLength(16);
        e.Property(s => s.UpdatedById).HasMaxLength(32);
        e.HasOne<Workspace>().WithMany().HasForeignKey(s => s.WorkspaceId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class RetentionRunConfiguration : IEntityTypeConfiguration<RetentionRun>
{
    public void Configure(EntityTypeBuilder<RetentionRun> e)
    {
        e.Property(r => r.Id).HasMaxLength(24);
        e.Property(r => r.Region).HasMaxLength(16);
        e.Property(r => r.JobId).HasMaxLength(24);
        e.Property(r => r.Trigger).HasMaxLength(16);
        e.Property(r => r.State).HasMaxLength(16);
        e.Property(r => r.Counts).HasMaxLength(8000);
        e.Property(r => r.Checkpoint).HasMaxLength(16384);
        // The status: the newest runs first.
        e.HasIndex(r => r.StartedAt);
    }
}

internal sealed class RetentionWorkspaceRunConfiguration : IEntityTypeConfiguration<RetentionWorkspaceRun>
{
    public void Configure(EntityTypeBuilder<RetentionWorkspaceRun> e)
    {
        e.HasKey(r => new { r.WorkspaceId, r.RunId });
        e.Property(r => r.WorkspaceId).HasMaxLength(32);
        e.Property(r => r.RunId).HasMaxLength(24);
        e.Property(r => r.Counts).HasMaxLength(8000);
        e.Property(r => r.ActivityEntryId).HasMaxLength(24);
        e.Property(r => r.SigningKeyId).HasMaxLength(32);
        e.HasOne<Workspace>().WithMany().HasForeignKey(r => r.WorkspaceId).OnDelete(DeleteBehavior.Cascade);
        // A workspace's last run.
        e.HasIndex(r => new { r.WorkspaceId, r.FinishedAt });
    }
}

internal sealed class RetentionControlConfiguration : IEntityTypeConfiguration<RetentionControl>
{
    public void Configure(EntityTypeBuilder<RetentionControl> e)
    {
        e.HasKey(c => c.Region);
        e.Property(c => c.Region).HasMaxLength(16);
        e.Property(c => c.PausedBy).HasMaxLength(32);
    }
}
