using Confide.Data.Model;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Confide.Data.Configurations;

internal sealed class CompanyConfiguration : IEntityTypeConfiguration<Company>
{
    public void Configure(EntityTypeBuilder<Company> e)
    {
        e.Property(c => c.Id).HasMaxLength(24);
        e.Property(c => c.WorkspaceId).HasMaxLength(32);
        e.Property(c => c.ExternalId).HasMaxLength(255);
        e.Property(c => c.Name).HasMaxLength(255);
        e.Property(c => c.Website).HasMaxLength(2048);
        e.Property(c => c.Industry).HasMaxLength(255);
        e.Property(c => c.Plan).HasMaxLength(255);
        e.HasOne<Workspace>().WithMany().HasForeignKey(c => c.WorkspaceId);
        // POST /companies finds the company by company_id; GET /companies?name= by name.
        e.HasIndex(c => new { c.WorkspaceId, c.ExternalId }).IsUnique();
        e.HasIndex(c => new { c.WorkspaceId, c.Name });
        e.HasIndex(c => new { c.WorkspaceId, c.Id });
    }
}

internal sealed class ContactCompanyConfiguration : IEntityTypeConfiguration<ContactCompany>
{
    public void Configure(EntityTypeBuilder<ContactCompany> e)
    {
        e.HasKey(l => new { l.ContactId, l.CompanyId });
        e.Property(l => l.WorkspaceId).HasMaxLength(32);
        e.Property(l => l.ContactId).HasMaxLength(24);
        e.Property(l => l.CompanyId).HasMaxLength(24);
        // A company's contacts, and its user_count.
        e.HasIndex(l => l.CompanyId);
        e.HasOne<Contact>().WithMany().HasForeignKey(l => l.ContactId).OnDelete(DeleteBehavior.Cascade);
        e.HasOne<Company>().WithMany().HasForeignKey(l => l.CompanyId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class CompanyTagConfiguration : IEntityTypeConfiguration<CompanyTag>
{
    public void Configure(EntityTypeBuilder<CompanyTag> e)
    {
        e.HasKey(t => new { t.CompanyId, t.TagId });
        e.Property(t => t.WorkspaceId).HasMaxLength(32);
        e.Property(t => t.CompanyId).HasMaxLength(24);
        e.Property(t => t.TagId).HasMaxLength(24);
        // GET /companies?tag_id=
        e.HasIndex(t => t.TagId);
        e.HasOne<Company>().WithMany().HasForeignKey(t => t.CompanyId).OnDelete(DeleteBehavior.Cascade);
        e.HasOne<Tag>().WithMany().HasForeignKey(t => t.TagId).OnDelete(DeleteBehavior.Cascade);
    }
}
