using Confide.Data.Model;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Confide.Data.Configurations;

internal sealed class ErasureReceiptConfiguration : IEntityTypeConfiguration<ErasureReceipt>
{
    public void Configure(EntityTypeBuilder<ErasureReceipt> e)
    {
        e.Property(r => r.Id).HasMaxLength(24);
        e.Property(r => r.PrivacyRequestId).HasMaxLength(24);
        e.Property(r => r.Region).HasMaxLength(16);
        e.Property(r => r.SubjectReference).HasMaxLength(64);
        e.Property(r => r.Categories).HasMaxLength(1000);
        e.Property(r => r.DestroyedKeyIds).HasMaxLength(1000);
        e.Property(r => r.SigningKeyId).HasMaxLength(32);
        e.HasIndex(r => new { r.WorkspaceId, r.PrivacyRequestId }).IsUnique();
        // A contact is erased once: a second erasure of the same subject answers with this receipt.
        e.HasIndex(r => new { r.WorkspaceId, r.SubjectReference }).IsUnique();
        e.HasOne<Workspace>().WithMany().HasForeignKey(r => r.WorkspaceId);
        e.HasOne<PrivacyRequest>().WithMany().HasForeignKey(r => r.PrivacyRequestId);
    }
}
