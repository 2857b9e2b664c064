using Confide.Data.Model;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Identity.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore;

namespace Confide.Data;

/// <summary>
/// The one model of a regional cell. A context only ever talks to the database of the cell
/// that created it (<see cref="CellDatabase"/>); there is no way to point it at another region.
/// Provider subclasses (<see cref="SqliteConfideDbContext"/>, <see cref="PostgresConfideDbContext"/>)
/// exist so each provider has its own migration stream.
/// </summary>
public abstract class ConfideDbContext(DbContextOptions options) : IdentityDbContext<TeammateAccount>(options)
{
    private Action? _onDisposed;

    public DbSet<Workspace> Workspaces => Set<Workspace>();
    public DbSet<Teammate> Teammates => Set<Teammate>();
    public DbSet<TeammateInvitation> TeammateInvitations => Set<TeammateInvitation>();
    public DbSet<ApiToken> ApiTokens => Set<ApiToken>();
    public DbSet<Contact> Contacts => Set<Contact>();
    public DbSet<Conversation> Conversations => Set<Conversation>();
    public DbSet<ConversationPart> ConversationParts => Set<ConversationPart>();
    public DbSet<Tag> Tags => Set<Tag>();
    public DbSet<ContactTag> ContactTags => Set<ContactTag>();
    public DbSet<ConversationTag> ConversationTags => Set<ConversationTag>();
    public DbSet<ConversationParticipant> ConversationParticipants => Set<ConversationParticipant>();
    public DbSet<Note> Notes => Set<Note>();
    public DbSet<WorkspaceKey> WorkspaceKeys => Set<WorkspaceKey>();
    public DbSet<ActivityLogEntry> ActivityLogEntries => Set<ActivityLogEntry>();
    public DbSet<ActivityLogCheckpoint> ActivityLogCheckpoints => Set<ActivityLogCheckpoint>();
    public DbSet<SigningKey> SigningKeys => Set<SigningKey>();
    public DbSet<WorkspaceRole> WorkspaceRoles => Set<WorkspaceRole>();
    public DbSet<Team> Teams => Set<Team>();
    public DbSet<TeamMember> TeamMembers => Set<TeamMember>();
    public DbSet<SsoConnection> SsoConnections => Set<SsoConnection>();

    public DbSet<MessengerSettings> MessengerSettings => Set<MessengerSettings>();

    public DbSet<MasterKeyFence> MasterKeyFences => Set<MasterKeyFence>();

    public DbSet<RetiringKey> RetiringKeys => Set<RetiringKey>();

    public DbSet<MessengerSecret> MessengerSecrets => Set<MessengerSecret>();
    public DbSet<SsoConsumedAssertion> SsoConsumedAssertions => Set<SsoConsumedAssertion>();
    public DbSet<TeammateSession> TeammateSessions => Set<TeammateSession>();

    public DbSet<PendingContactErasure> PendingContactErasures => Set<PendingContactErasure>();

    public DbSet<PrivacyRequest> PrivacyRequests => Set<PrivacyRequest>();
    public DbSet<ErasureReceipt> ErasureReceipts => Set<ErasureReceipt>();
    public DbSet<Job> Jobs => Set<Job>();
    public DbSet<WorkspaceDeletion> WorkspaceDeletions => Set<WorkspaceDeletion>();
    public DbSet<LegalHold> LegalHolds => Set<LegalHold>();
    public DbSet<RetentionRuleSetting> RetentionRuleSettings => Set<RetentionRuleSetting>();
    public DbSet<RetentionRun> RetentionRuns => Set<RetentionRun>();
    public DbSet<RetentionWorkspaceRun> RetentionWorkspaceRuns => Set<RetentionWorkspaceRun>();
    public DbSet<RetentionControl> RetentionControls => Set<RetentionControl>();
    public DbSet<Company> Companies => Set<Company>();
    public DbSet<ContactCompany> ContactCompanies => Set<ContactCompany>();
    public DbSet<CompanyTag> CompanyTags => Set<CompanyTag>();
    public DbSet<DataEvent> DataEvents => Set<DataEvent>();
    public DbSet<DataAttribute> DataAttributes => Set<DataAttribute>();
    public DbSet<SubscriptionType> SubscriptionTypes => Set<SubscriptionType>();
    public DbSet<ContactSubscriptionChange> ContactSubscriptionChanges => Set<ContactSubscriptionChange>();
    public DbSet<Segment> Segments => Set<Segment>();
    public DbSet<SearchToken> SearchTokens => Set<SearchToken>();
    public DbSet<IdempotencyKey> IdempotencyKeys => Set<IdempotencyKey>();

    /// <summary>Runs <paramref name="action"/> once, after this rented context is disposed (a read lane frees its connection).</summary>
    internal void OnDisposed(Action action) => _onDisposed = action;

    public override void Dispose()
    {
        var disposed = Interlocked.Exchange(ref _onDisposed, null);
        base.Dispose();
        GC.SuppressFinalize(this);
        disposed?.Invoke();
    }

    public override async ValueTask DisposeAsync()
    {
        var disposed = Interlocked.Exchange(ref _onDisposed, null);
        await base.DisposeAsync();
        GC.SuppressFinalize(this);
        disposed?.Invoke();
    }

    protected override void OnModelCreating(ModelBuilder builder)
    {
        base.OnModelCreating(builder);

        // Identity's passkey table (its schema version 3), configured here as Identity does
        // rather than switched on through the application's options, which design-time
        // migrations and contexts built outside the web host do not see.
        builder.Entity<IdentityUserPasskey<string>>(e =>
        {
            e.ToTable("AspNetUserPasskeys");
            e.HasKey(p => p.CredentialId);
            e.Property(p => p.CredentialId).HasMaxLength(1024);
            e.OwnsOne(p => p.Data).ToJson();
            e.HasOne<TeammateAccount>().WithMany().HasForeignKey(p => p.UserId).IsRequired();
        });

        builder.Entity<Workspace>(e =>
        {
            e.Property(w => w.Id).HasMaxLength(32);
            e.Property(w => w.Region).HasMaxLength(8);
            e.Property(w => w.Name).HasMaxLength(255);
            e.Property(w => w.TwoFactorRequirement).HasMaxLength(16).HasDefaultValue(TwoFactorRequirements.Off);
            e.Property(w => w.IpAllowlist).HasMaxLength(4000);
            e.Property(w => w.AllowedSignInMethods).HasMaxLength(64);
        });

        builder.Entity<Teammate>(e =>
        {
            e.Property(t => t.Id).HasMaxLength(24);
            e.HasIndex(t => new { t.WorkspaceId, t.AccountId }).IsUnique();
            e.HasOne<Workspace>().WithMany().HasForeignKey(t => t.WorkspaceId);
            e.HasOne<TeammateAccount>().WithMany().HasForeignKey(t => t.AccountId);
        });

        builder.Entity<TeammateInvitation>(e =>
        {
            e.HasKey(i => i.TeammateId);
            e.Property(i => i.TeammateId).HasMaxLength(24);
            // One invitation per account (and per address) and workspace; and "my invitations" on the invitee's side.
            e.HasIndex(i => new { i.WorkspaceId, i.AccountId }).IsUnique();
            e.HasIndex(i => new { i.WorkspaceId, i.EmailLookup }).IsUnique();
            e.HasIndex(i => i.AccountId);
            e.Property(i => i.EmailLookup).HasMaxLength(64);
            e.Property(i => i.LinkTokenHash).HasMaxLength(64);
            e.HasIndex(i => i.LinkTokenHash).IsUnique();
            e.HasOne<Teammate>().WithOne().HasForeignKey<TeammateInvitation>(i => i.TeammateId).OnDelete(DeleteBehavior.Cascade);
            e.HasOne<Workspace>().WithMany().HasForeignKey(i => i.WorkspaceId);
            e.HasOne<TeammateAccount>().WithMany().HasForeignKey(i => i.AccountId).OnDelete(DeleteBehavior.Cascade);
        });

        builder.Entity<ApiToken>(e =>
        {
            e.Property(t => t.Id).HasMaxLength(24);
            e.HasIndex(t => t.SecretHash).IsUnique();
            e.HasOne<Workspace>().WithMany().HasForeignKey(t => t.WorkspaceId);
            e.HasOne<Teammate>().WithMany().HasForeignKey(t => t.TeammateId);
        });

        builder.Entity<Contact>(e =>
        {
            e.Property(c => c.Id).HasMaxLength(24);
            e.HasIndex(c => new { c.WorkspaceId, c.Id });
            e.HasIndex(c => new { c.WorkspaceId, c.EmailLookup });
            e.HasIndex(c => new { c.WorkspaceId, c.PhoneLookup });
            // The visitor and lead retention rules: contacts not seen since a cutoff.
            e.HasIndex(c => new { c.WorkspaceId, c.LastSeenAt });
            e.HasIndex(c => new { c.WorkspaceId, c.VisitorLookup })
                .IsUnique()
                .HasFilter("\"VisitorLookup\" IS NOT NULL");
            e.HasIndex(c => new { c.WorkspaceId, c.ExternalIdLookup })
                .IsUnique()
                .HasFilter("\"ExternalIdLookup\" IS NOT NULL");
            e.HasOne<Workspace>().WithMany().HasForeignKey(c => c.WorkspaceId);
            e.HasMany(c => c.Tags).WithOne().HasForeignKey(t => t.ContactId).OnDelete(DeleteBehavior.Cascade);
            // A contact being erased is gone for everything but its purge (docs/privacy-operations.md).
            e.HasQueryFilter(c => c.ErasureStartedAt == null);
        });

        builder.Entity<Conversation>(e =>
        {
            e.Property(c => c.Id).HasMaxLength(24);
            e.HasIndex(c => new { c.WorkspaceId, c.Id });
            e.HasIndex(c => new { c.WorkspaceId, c.ContactId });
            // The inbox, paged by keyset on (UpdatedAt, Id) and counted per filter: open or closed...
            e.HasIndex(c => new { c.WorkspaceId, c.State, c.UpdatedAt, c.Id });
            // ...assigned to one teammate or to none (the "mine" and "unassigned" filters, a scoped role's rows)...
            e.HasIndex(c => new { c.WorkspaceId, c.State, c.AdminAssigneeId, c.UpdatedAt, c.Id });
            // ...and all of them.
            e.HasIndex(c => new { c.WorkspaceId, c.UpdatedAt, c.Id });
            // A teammate who reads only their teams' conversations: those assigned to each team.
            e.HasIndex(c => new { c.WorkspaceId, c.TeamAssigneeId });
            e.HasOne<Workspace>().WithMany().HasForeignKey(c => c.WorkspaceId);
            e.HasOne<Contact>().WithMany().HasForeignKey(c => c.ContactId).OnDelete(DeleteBehavior.Cascade);
            e.HasMany(c => c.Parts).WithOne().HasForeignKey(p => p.ConversationId).OnDelete(DeleteBehavior.Cascade);
            e.HasQueryFilter(c => c.ErasureStartedAt == null);
        });

        builder.Entity<ConversationPart>(e =>
        {
            e.Property(p => p.Id).HasMaxLength(24);
            e.Property(p => p.AssignedToType).HasMaxLength(8);
            e.HasIndex(p => new { p.ConversationId, p.Sequence }).IsUnique();
            // The conversation_part retention rule: a workspace's parts older than a cutoff.
            e.HasIndex(p => new { p.WorkspaceId, p.CreatedAt });
        });

        builder.Entity<Tag>(e =>
        {
            e.Property(t => t.Id).HasMaxLength(24);
            e.Property(t => t.Name).HasMaxLength(255);
            e.HasIndex(t => new { t.WorkspaceId, t.Name }).IsUnique();
            e.HasOne<Workspace>().WithMany().HasForeignKey(t => t.WorkspaceId);
        });

        builder.Entity<ContactTag>(e =>
        {
            e.HasKey(t => new { t.ContactId, t.TagId });
            e.Property(t => t.AppliedById).HasMaxLength(24);
            e.HasOne<Tag>().WithMany().HasForeignKey(t => t.TagId).OnDelete(DeleteBehavior.Cascade);
        });

        builder.Entity<ConversationTag>(e =>
        {
            e.HasKey(t => new { t.ConversationId, t.TagId });
            e.Property(t => t.AppliedById).HasMaxLength(24);
            // Search by tag (tag_ids) and a tag's deletion.
            e.HasIndex(t => new { t.WorkspaceId, t.TagId });
            e.HasOne<Conversation>().WithMany().HasForeignKey(t => t.ConversationId).OnDelete(DeleteBehavior.Cascade);
            e.HasOne<Tag>().WithMany().HasForeignKey(t => t.TagId).OnDelete(DeleteBehavior.Cascade);
        });

        builder.Entity<ConversationParticipant>(e =>
        {
            e.HasKey(p => new { p.ConversationId, p.ContactId });
            e.Property(p => p.AddedById).HasMaxLength(24);
            // An attached contact's erasure, and search by contact_ids.
            e.HasIndex(p => new { p.WorkspaceId, p.ContactId });
            e.HasOne<Conversation>().WithMany().HasForeignKey(p => p.ConversationId).OnDelete(DeleteBehavior.Cascade);
            e.HasOne<Contact>().WithMany().HasForeignKey(p => p.ContactId).OnDelete(DeleteBehavior.Cascade);
        });

        builder.Entity<WorkspaceKey>(e =>
        {
            e.Property(k => k.Purpose).HasMaxLength(32);
            e.HasIndex(k => new { k.WorkspaceId, k.Purpose, k.Version }).IsUnique();
            e.HasOne<Workspace>().WithMany().HasForeignKey(k => k.WorkspaceId);
        });

        builder.Entity<ActivityLogEntry>(e =>
        {
            // The primary key doubles as the append guard: two writers can never both add
            // entry n of a workspace (another process on the same PostgreSQL fails its unit).
            e.HasKey(a => new { a.WorkspaceId, a.Sequence });
            e.Property(a => a.Id).HasMaxLength(24);
            e.Property(a => a.ActivityType).HasMaxLength(64);
            e.Property(a => a.ActorType).HasMaxLength(16);
            e.Property(a => a.ActorId).HasMaxLength(24);
            e.HasIndex(a => new { a.WorkspaceId, a.CreatedAt });
            e.HasOne<Workspace>().WithMany().HasForeignKey(a => a.WorkspaceId);
        });

        builder.Entity<ActivityLogCheckpoint>(e =>
        {
            e.HasKey(c => new { c.WorkspaceId, c.TreeSize });
            e.Property(c => c.KeyId).HasMaxLength(16);
            e.HasOne<Workspace>().WithMany().HasForeignKey(c => c.WorkspaceId);
        });

        builder.Entity<WorkspaceRole>(e =>
        {
            e.Property(r => r.Id).HasMaxLength(24);
            e.Property(r => r.Name).HasMaxLength(255);
            e.HasIndex(r => new { r.WorkspaceId, r.Name }).IsUnique();
            e.HasOne<Workspace>().WithMany().HasForeignKey(r => r.WorkspaceId);
        });

        builder.Entity<Team>(e =>
        {
            e.Property(t => t.Id).HasMaxLength(24);
            e.Property(t => t.Name).HasMaxLength(255);
            e.HasIndex(t => new { t.WorkspaceId, t.Name }).IsUnique();
            e.HasOne<Workspace>().WithMany().HasForeignKey(t => t.WorkspaceId);
        });

        builder.Entity<TeamMember>(e =>
        {
            e.HasKey(m => new { m.TeamId, m.TeammateId });
            // Whose teams: the scoped conversation queries look memberships up by teammate.
            e.HasIndex(m => new { m.TeammateId, m.TeamId });
            e.HasOne<Team>().WithMany().HasForeignKey(m => m.TeamId).OnDelete(DeleteBehavior.Cascade);
            e.HasOne<Teammate>().WithMany().HasForeignKey(m => m.TeammateId).OnDelete(DeleteBehavior.Cascade);
        });

        builder.Entity<SsoConnection>(e =>
        {
            e.Property(c => c.Id).HasMaxLength(24);
            e.Property(c => c.Protocol).HasMaxLength(8);
            e.Property(c => c.SamlIdpEntityId).HasMaxLength(1024);
            e.Property(c => c.SamlSingleSignOnUrl).HasMaxLength(2048);
            e.Property(c => c.SamlSigningCertificates).HasMaxLength(32768);
            e.Property(c => c.OidcIssuer).HasMaxLength(2048);
            e.Property(c => c.OidcClientId).HasMaxLength(255);
            e.Property(c => c.OidcProtectedClientSecret).HasMaxLength(4096);
            e.Property(c => c.EmailAttribute).HasMaxLength(255);
            e.Property(c => c.NameAttribute).HasMaxLength(255);
            e.Property(c => c.DefaultRole).HasMaxLength(24);
            e.Property(c => c.AllowedEmailDomains).HasMaxLength(4000);
            e.HasIndex(c => c.WorkspaceId).IsUnique();
            e.HasOne<Workspace>().WithMany().HasForeignKey(c => c.WorkspaceId);
        });

        builder.Entity<MasterKeyFence>(e =>
        {
            e.HasKey(f => f.Region);
            e.Property(f => f.Region).HasMaxLength(8);
            e.Property(f => f.RetiringMasterKeyIds).HasMaxLength(1024);
        });

        builder.Entity<RetiringKey>(e =>
        {
            e.HasKey(k => k.KeyId);
            e.HasIndex(k => k.Since);
        });

        builder.Entity<MessengerSettings>(e =>
        {
            e.HasKey(m => m.WorkspaceId);
            e.Property(m => m.AllowedOrigins).HasMaxLength(8000);
            e.Property(m => m.JsonWebKeySet).HasMaxLength(65536);
            e.HasOne<Workspace>().WithMany().HasForeignKey(m => m.WorkspaceId);
        });

        builder.Entity<MessengerSecret>(e =>
        {
            e.Property(m => m.Id).HasMaxLength(24);
            e.HasIndex(m => new { m.WorkspaceId, m.RetiredAt });
            e.HasOne<Workspace>().WithMany().HasForeignKey(m => m.WorkspaceId);
        });

        builder.Entity<SsoConsumedAssertion>(e =>
        {
            e.Property(a => a.Id).HasMaxLength(64);
            e.HasIndex(a => a.ExpiresAt);
            e.HasOne<Workspace>().WithMany().HasForeignKey(a => a.WorkspaceId);
        });

        builder.Entity<TeammateSession>(e =>
        {
            e.Property(s => s.Id).HasMaxLength(32);
            e.Property(s => s.EndReason).HasMaxLength(32);
            // "Sign out everywhere" and credential changes end an account's sessions.
            e.HasIndex(s => s.AccountId);
            e.HasOne<TeammateAccount>().WithMany().HasForeignKey(s => s.AccountId).OnDelete(DeleteBehavior.Cascade);
        });

        builder.Entity<SigningKey>(e =>
        {
            e.Property(k => k.Id).HasMaxLength(16);
            e.Property(k => k.Purpose).HasMaxLength(32);
        });

        builder.Entity<Note>(e =>
        {
            e.Property(n => n.Id).HasMaxLength(24);
            e.HasIndex(n => new { n.WorkspaceId, n.ContactId });
            e.HasOne<Contact>().WithMany().HasForeignKey(n => n.ContactId).OnDelete(DeleteBehavior.Cascade);
        });

        builder.ApplyConfiguration(new Configurations.PendingContactErasureConfiguration());
        builder.ApplyConfiguration(new Configurations.PrivacyRequestConfiguration());
        builder.ApplyConfiguration(new Configurations.JobConfiguration());
        builder.ApplyConfiguration(new Configurations.WorkspaceDeletionConfiguration());
        builder.ApplyConfiguration(new Configurations.LegalHoldConfiguration());
        builder.ApplyConfiguration(new Configurations.RetentionRuleSettingConfiguration());
        builder.ApplyConfiguration(new Configurations.RetentionRunConfiguration());
        builder.ApplyConfiguration(new Configurations.RetentionWorkspaceRunConfiguration());
        builder.ApplyConfiguration(new Configurations.RetentionControlConfiguration());
        builder.ApplyConfiguration(new Configurations.CompanyConfiguration());
        builder.ApplyConfiguration(new Configurations.ContactCompanyConfiguration());
        builder.ApplyConfiguration(new Configurations.CompanyTagConfiguration());
        builder.ApplyConfiguration(new Configurations.DataEventConfiguration());
        builder.ApplyConfiguration(new Configurations.DataAttributeConfiguration());
        builder.ApplyConfiguration(new Configurations.SubscriptionTypeConfiguration());
        builder.ApplyConfiguration(new Configurations.ContactSubscriptionChangeConfiguration());
        builder.ApplyConfiguration(new Configurations.SegmentConfiguration());
        builder.ApplyConfiguration(new Configurations.SearchTokenConfiguration());
        builder.ApplyConfiguration(new Configurations.IdempotencyKeyConfiguration());
    }
}

public sealed class SqliteConfideDbContext(DbContextOptions<SqliteConfideDbContext> options) : ConfideDbContext(options)
{
    protected override void ConfigureConventions(ModelConfigurationBuilder configurationBuilder)
    {
        // SQLite has no date type: store instants as sortable integers so range filters and
        // ORDER BY run in the database rather than in memory.
        configurationBuilder.Properties<DateTimeOffset>().HaveConversion<DateTimeOffsetToUnixMillisecondsConverter>();
    }
}

public sealed class PostgresConfideDbContext(DbContextOptions<PostgresConfideDbContext> options) : ConfideDbContext(options);
