using Confide.Data.Model;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Confide.Data.Configurations;

internal sealed class PendingContactErasureConfiguration : IEntityTypeConfiguration<PendingContactErasure>
{
    public void Configure(EntityTypeBuilder<PendingContactErasure> e)
    {
        e.HasKey(p => p.ContactId);
        e.Property(p => p.ContactId).HasMaxLength(24);
        e.Property(p => p.ActorType).HasMaxLength(16);
        e.Property(p => p.ActorId).HasMaxLength(64);
        e.Property(p => p.ActorVia).HasMaxLength(16);
        e.Property(p => p.ActorTokenId).HasMaxLength(64);
        e.Property(p => p.ContactKeyIds).HasMaxLength(1000);
        // Gone with the contact's rows, in the same transaction; never left without them.
        e.HasOne<Contact>().WithMany().HasForeignKey(p => p.ContactId).OnDelete(DeleteBehavior.Cascade);
    }
}
