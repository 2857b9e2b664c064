using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Confide.Data.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class ConversationsSubscriptionsSegments : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<byte[]>(
                name: "EncryptedCustomAttributes",
                table: "Conversations",
                type: "BLOB",
                nullable: true);

            migrationBuilder.AddColumn<byte[]>(
                name: "EncryptedRatingRemark",
                table: "Conversations",
                type: "BLOB",
                nullable: true);

            migrationBuilder.AddColumn<long>(
                name: "RatedAt",
                table: "Conversations",
                type: "INTEGER",
                nullable: true);

            migrationBuilder.AddColumn<int>(
                name: "Rating",
                table: "Conversations",
                type: "INTEGER",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "RatingTeammateId",
                table: "Conversations",
                type: "TEXT",
                nullable: true);

            migrationBuilder.AddColumn<long>(
                name: "SnoozedUntil",
                table: "Conversations",
                type: "INTEGER",
                nullable: true);

            migrationBuilder.AddColumn<bool>(
                name: "Redacted",
                table: "ConversationParts",
                type: "INTEGER",
                nullable: false,
                defaultValue: false);

            migrationBuilder.CreateTable(
                name: "ContactSubscriptionChanges",
                columns: table => new
                {
                    Id = table.Column<string>(type: "TEXT", maxLength: 24, nullable: false),
                    WorkspaceId = table.Column<string>(type: "TEXT", nullable: false),
                    ContactId = table.Column<string>(type: "TEXT", maxLength: 24, nullable: false),
                    SubscriptionTypeId = table.Column<long>(type: "INTEGER", nullable: false),
                    ConsentType = table.Column<string>(type: "TEXT", maxLength: 16, nullable: false),
                    Attached = table.Column<bool>(type: "INTEGER", nullable: false),
                    ChangedAt = table.Column<long>(type: "INTEGER", nullable: false),
                    ActorType = table.Column<string>(type: "TEXT", maxLength: 16, nullable: false),
                    ActorId = table.Column<string>(type: "TEXT", maxLength: 24, nullable: true),
                    Via = table.Column<string>(type: "TEXT", maxLength: 16, nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_ContactSubscriptionChanges", x => x.Id);
                    table.ForeignKey(
                        name: "FK_ContactSubscriptionChanges_Contacts_ContactId",
                        column: x => x.ContactId,
                        principalTable: "Contacts",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                    table.ForeignKey(
                        name: "FK_ContactSubscriptionChanges_Workspaces_WorkspaceId",
                        column: x => x.WorkspaceId,
                        principalTable: "Workspaces",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "ConversationParticipants",
                columns: table => new
                {
                    ConversationId = table.Column<string>(type: "TEXT", nullable: false),
                    ContactId = table.Column<string>(type: "TEXT", nullable: false),
                    WorkspaceId = table.Column<string>(type: "TEXT", nullable: false),
                    AddedById = table.Column<string>(type: "TEXT", maxLength: 24, nullable: false),
                    CreatedAt = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_ConversationParticipants", x => new { x.ConversationId, x.ContactId });
                    table.ForeignKey(
                        name: "FK_ConversationParticipants_Contacts_ContactId",
                        column: x => x.ContactId,
                        principalTable: "Contacts",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                    table.ForeignKey(
                        name: "FK_ConversationParticipants_Conversations_ConversationId",
                        column: x => x.ConversationId,
                        principalTable: "Conversations",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "Segments",
                columns: table => new
                {
                    Id = table.Column<string>(type: "TEXT", maxLength: 24, nullable: false),
                    WorkspaceId = table.Column<string>(type: "TEXT", nullable: false),
                    Name = table.Column<string>(type: "TEXT", maxLength: 255, nullable: false),
                    PersonType = table.Column<string>(type: "TEXT", maxLength: 16, nullable: false),
                    EncryptedQuery = table.Column<byte[]>(type: "BLOB", nullable: false),
                    AdminId = table.Column<string>(type: "TEXT", maxLength: 24, nullable: true),
                    CreatedAt = table.Column<long>(type: "INTEGER", nullable: false),
                    UpdatedAt = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_Segments", x => x.Id);
                    table.ForeignKey(
                        name: "FK_Segments_Workspaces_WorkspaceId",
                        column: x => x.WorkspaceId,
                        principalTable: "Workspaces",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "SubscriptionTypes",
                columns: table => new
                {
                    WorkspaceId = table.Column<string>(type: "TEXT", nullable: false),
                    Id = table.Column<long>(type: "INTEGER", nullable: false),
                    State = table.Column<string>(type: "TEXT", maxLength: 16, nullable: false),
                    ConsentType = table.Column<string>(type: "TEXT", maxLength: 16, nullable: false),
                    ContentTypes = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    Translations = table.Column<string>(type: "TEXT", maxLength: 40000, nullable: false),
                    AdminId = table.Column<string>(type: "TEXT", maxLength: 24, nullable: true),
                    CreatedAt = table.Column<long>(type: "INTEGER", nullable: false),
                    UpdatedAt = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_SubscriptionTypes", x => new { x.WorkspaceId, x.Id });
                    table.ForeignKey(
                        name: "FK_SubscriptionTypes_Workspaces_WorkspaceId",
                        column: x => x.WorkspaceId,
                        principalTable: "Workspaces",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "IX_ContactSubscriptionChanges_ContactId",
                table: "ContactSubscriptionChanges",
                column: "ContactId");

            migrationBuilder.CreateIndex(
                name: "IX_ContactSubscriptionChanges_WorkspaceId_ContactId_SubscriptionTypeId_ChangedAt",
                table: "ContactSubscriptionChanges",
                columns: new[] { "WorkspaceId", "ContactId", "SubscriptionTypeId", "ChangedAt" });

            migrationBuilder.CreateIndex(
                name: "IX_ContactSubscriptionChanges_WorkspaceId_SubscriptionTypeId",
                table: "ContactSubscriptionChanges",
                columns: new[] { "WorkspaceId", "SubscriptionTypeId" });

            migrationBuilder.CreateIndex(
                name: "IX_ConversationParticipants_ContactId",
                table: "ConversationParticipants",
                column: "ContactId");

            migrationBuilder.CreateIndex(
                name: "IX_ConversationParticipants_WorkspaceId_ContactId",
                table: "ConversationParticipants",
                columns: new[] { "WorkspaceId", "ContactId" });

            migrationBuilder.CreateIndex(
                name: "IX_Segments_WorkspaceId_Name",
                table: "Segments",
                columns: new[] { "WorkspaceId", "Name" },
                unique: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "ContactSubscriptionChanges");

            migrationBuilder.DropTable(
                name: "ConversationParticipants");

            migrationBuilder.DropTable(
                name: "Segments");

            migrationBuilder.DropTable(
                name: "SubscriptionTypes");

            migrationBuilder.DropColumn(
                name: "EncryptedCustomAttributes",
                table: "Conversations");

            migrationBuilder.DropColumn(
                name: "EncryptedRatingRemark",
                table: "Conversations");

            migrationBuilder.DropColumn(
                name: "RatedAt",
                table: "Conversations");

            migrationBuilder.DropColumn(
                name: "Rating",
                table: "Conversations");

            migrationBuilder.DropColumn(
                name: "RatingTeammateId",
                table: "Conversations");

            migrationBuilder.DropColumn(
                name: "SnoozedUntil",
                table: "Conversations");

            migrationBuilder.DropColumn(
                name: "Redacted",
                table: "ConversationParts");
        }
    }
}
