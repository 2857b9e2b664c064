using Confide.Data.Model;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Confide.Data.Configurations;

internal sealed class IdempotencyKeyConfiguration : IEntityTypeConfiguration<IdempotencyKey>
{
    public void Configure(EntityTypeBuilder<IdempotencyKey> e)
    {
        // The key makes a second claim of the same key by the same token fail to insert.
        e.HasKey(k => new { k.WorkspaceId, k.TokenId, k.KeyHash });
        e.Property(k => k.TokenId).HasMaxLength(64);
        e.Property(k => k.KeyHash).HasMaxLength(64);
        e.Property(k => k.RequestHash).HasMaxLength(64);
        e.Property(k => k.ObjectType).HasMaxLength(64);
        e.Property(k => k.ObjectId).HasMaxLength(64);
        e.Property(k => k.ConversationId).HasMaxLength(64);
        // The housekeeping deletes by age.
        e.HasIndex(k => k.CreatedAt);
        e.HasOne<Workspace>().WithMany().HasForeignKey(k => k.WorkspaceId);
    }
}
