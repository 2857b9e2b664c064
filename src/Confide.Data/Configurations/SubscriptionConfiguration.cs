using Confide.Data.Model;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Confide.Data.Configurations;

internal sealed class SubscriptionTypeConfiguration : IEntityTypeConfiguration<SubscriptionType>
{
    public void Configure(EntityTypeBuilder<SubscriptionType> e)
    {
        e.HasKey(t => new { t.WorkspaceId, t.Id });
        e.Property(t => t.Id).ValueGeneratedNever();
        e.Property(t => t.State).HasMaxLength(16);
        e.Property(t => t.ConsentType).HasMaxLength(16);
        e.Property(t => t.ContentTypes).HasMaxLength(64);
        e.Property(t => t.Translations).HasMaxLength(40000);
        e.Property(t => t.AdminId).HasMaxLength(24);
        e.HasOne<Workspace>().WithMany().HasForeignKey(t => t.WorkspaceId);
    }
}

internal sealed class ContactSubscriptionChangeConfiguration : IEntityTypeConfiguration<ContactSubscriptionChange>
{
    public void Configure(EntityTypeBuilder<ContactSubscriptionChange> e)
    {
        e.Property(c => c.Id).HasMaxLength(24);
        e.Property(c => c.ContactId).HasMaxLength(24);
        e.Property(c => c.ConsentType).HasMaxLength(16);
        e.Property(c => c.ActorType).HasMaxLength(16);
        e.Property(c => c.ActorId).HasMaxLength(24);
        e.Property(c => c.Via).HasMaxLength(16);
        // A contact's history per type, oldest first (its newest row is the current choice).
        e.HasIndex(c => new { c.WorkspaceId, c.ContactId, c.SubscriptionTypeId, c.ChangedAt });
        // Whether a type has records (a type with records is archived, not deleted).
        e.HasIndex(c => new { c.WorkspaceId, c.SubscriptionTypeId });
        e.HasOne<Workspace>().WithMany().HasForeignKey(c => c.WorkspaceId);
        e.HasOne<Contact>().WithMany().HasForeignKey(c => c.ContactId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class SegmentConfiguration : IEntityTypeConfiguration<Segment>
{
    public void Configure(EntityTypeBuilder<Segment> e)
    {
        e.Property(s => s.Id).HasMaxLength(24);
        e.Property(s => s.Name).HasMaxLength(255);
        e.Property(s => s.PersonType).HasMaxLength(16);
        e.Property(s => s.AdminId).HasMaxLength(24);
        e.HasIndex(s => new { s.WorkspaceId, s.Name }).IsUnique();
        e.HasOne<Workspace>().WithMany().HasForeignKey(s => s.WorkspaceId);
    }
}
