using Confide.Data.Model;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Confide.Data.Configurations;

internal sealed class DataEventConfiguration : IEntityTypeConfiguration<DataEvent>
{
    public void Configure(EntityTypeBuilder<DataEvent> e)
    {
        e.Property(d => d.Id).HasMaxLength(24);
        e.Property(d => d.ContactId).HasMaxLength(24);
        e.Property(d => d.Name).HasMaxLength(255);
        // A contact's events, newest first (the list and its keyset), and the duplicate check.
        e.HasIndex(d => new { d.WorkspaceId, d.ContactId, d.OccurredAt, d.Id });
        e.HasOne<Workspace>().WithMany().HasForeignKey(d => d.WorkspaceId);
        e.HasOne<Contact>().WithMany().HasForeignKey(d => d.ContactId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class DataAttributeConfiguration : IEntityTypeConfiguration<DataAttribute>
{
    public void Configure(EntityTypeBuilder<DataAttribute> e)
    {
        e.HasKey(a => new { a.WorkspaceId, a.Id });
        e.Property(a => a.Id).ValueGeneratedNever();
        e.Property(a => a.Model).HasMaxLength(16);
        e.Property(a => a.Name).HasMaxLength(190);
        e.Property(a => a.Description).HasMaxLength(1000);
        e.Property(a => a.DataType).HasMaxLength(16);
        e.Property(a => a.Options).HasMaxLength(40000);
        e.Property(a => a.AdminId).HasMaxLength(24);
        e.HasIndex(a => new { a.WorkspaceId, a.Model, a.Name }).IsUnique();
        e.HasOne<Workspace>().WithMany().HasForeignKey(a => a.WorkspaceId);
    }
}
