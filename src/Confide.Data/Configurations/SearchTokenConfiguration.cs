using Confide.Data.Model;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Confide.Data.Configurations;

internal sealed class SearchTokenConfiguration : IEntityTypeConfiguration<SearchToken>
{
    public void Configure(EntityTypeBuilder<SearchToken> e)
    {
        // The key is the posting list: a workspace's owners of one token, found by one range scan.
        e.HasKey(t => new { t.WorkspaceId, t.Kind, t.Token, t.OwnerId });
        e.Property(t => t.Kind).HasMaxLength(16);
        e.Property(t => t.Token).HasMaxLength(24);
        e.Property(t => t.OwnerId).HasMaxLength(24);
        e.Property(t => t.ContactId).HasMaxLength(24);
        // Erasure and update: every token about a contact (its own and its conversations'); also the
        // contact foreign key's index. Contact ids are unique across workspaces.
        e.HasIndex(t => new { t.ContactId, t.OwnerId });
        e.HasOne<Workspace>().WithMany().HasForeignKey(t => t.WorkspaceId);
        e.HasOne<Contact>().WithMany().HasForeignKey(t => t.ContactId).OnDelete(DeleteBehavior.Cascade);
    }
}
