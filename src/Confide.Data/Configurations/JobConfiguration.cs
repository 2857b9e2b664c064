using Confide.Data.Model;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Confide.Data.Configurations;

internal sealed class JobConfiguration : IEntityTypeConfiguration<Job>
{
    public void Configure(EntityTypeBuilder<Job> e)
    {
        e.Property(j => j.Id).HasMaxLength(24);
        e.Property(j => j.WorkspaceId).HasMaxLength(32);
        e.Property(j => j.Kind).HasMaxLength(64);
        e.Property(j => j.State).HasMaxLength(16);
        e.Property(j => j.LeaseOwner).HasMaxLength(128);
        e.Property(j => j.LastError).HasMaxLength(256);
        e.Property(j => j.DeduplicationKey).HasMaxLength(256);
        // What a runner claims: due queued jobs, and running ones whose lease ran out.
        e.HasIndex(j => new { j.State, j.NotBefore });
        e.HasIndex(j => new { j.State, j.LeaseExpiresAt });
        // What the retention sweep's housekeeping deletes: jobs finished long ago.
        e.HasIndex(j => new { j.State, j.CompletedAt });
        // The list of a workspace's jobs (the privacy centre), newest first.
        e.HasIndex(j => new { j.WorkspaceId, j.Id });
        // One job per logical key; NULLs are distinct in a unique index on both providers,
        // so cell-wide jobs (no workspace) get an index of their own.
        e.HasIndex(j => new { j.WorkspaceId, j.Kind, j.DeduplicationKey })
            .IsUnique()
            .HasFilter("\"DeduplicationKey\" IS NOT NULL AND \"WorkspaceId\" IS NOT NULL");
        e.HasIndex(j => new { j.Kind, j.DeduplicationKey })
            .IsUnique()
            .HasFilter("\"DeduplicationKey\" IS NOT NULL AND \"WorkspaceId\" IS NULL");
    }
}
