using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Confide.Data.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class Retention : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<long>(
                name: "InactivityDeletesAt",
                table: "Workspaces",
                type: "INTEGER",
                nullable: true);

            migrationBuilder.AddColumn<long>(
                name: "InactivityWarnedFor",
                table: "Workspaces",
                type: "INTEGER",
                nullable: true);

            migrationBuilder.AddColumn<int>(
                name: "InactivityWarningStage",
                table: "Workspaces",
                type: "INTEGER",
                nullable: true);

            migrationBuilder.AddColumn<long>(
                name: "ClosedAt",
                table: "Conversations",
                type: "INTEGER",
                nullable: true);

            migrationBuilder.CreateTable(
                name: "RetentionControls",
                columns: table => new
                {
                    Region = table.Column<string>(type: "TEXT", maxLength: 16, nullable: false),
                    PausedAt = table.Column<long>(type: "INTEGER", nullable: true),
                    PausedBy = table.Column<string>(type: "TEXT", maxLength: 32, nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_RetentionControls", x => x.Region);
                });

            migrationBuilder.CreateTable(
                name: "RetentionRuleSettings",
                columns: table => new
                {
                    WorkspaceId = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    Subject = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    AfterDays = table.Column<int>(type: "INTEGER", nullable: false),
                    Enabled = table.Column<bool>(type: "INTEGER", nullable: false),
                    UpdatedAt = table.Column<long>(type: "INTEGER", nullable: false),
                    UpdatedByType = table.Column<string>(type: "TEXT", maxLength: 16, nullable: false),
                    UpdatedById = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_RetentionRuleSettings", x => new { x.WorkspaceId, x.Subject });
                    table.ForeignKey(
                        name: "FK_RetentionRuleSettings_Workspaces_WorkspaceId",
                        column: x => x.WorkspaceId,
                        principalTable: "Workspaces",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "RetentionRuns",
                columns: table => new
                {
                    Id = table.Column<string>(type: "TEXT", maxLength: 24, nullable: false),
                    Region = table.Column<string>(type: "TEXT", maxLength: 16, nullable: false),
                    JobId = table.Column<string>(type: "TEXT", maxLength: 24, nullable: false),
                    Trigger = table.Column<string>(type: "TEXT", maxLength: 16, nullable: false),
                    StartedAt = table.Column<long>(type: "INTEGER", nullable: false),
                    FinishedAt = table.Column<long>(type: "INTEGER", nullable: true),
                    State = table.Column<string>(type: "TEXT", maxLength: 16, nullable: false),
                    Counts = table.Column<string>(type: "TEXT", maxLength: 8000, nullable: false),
                    WorkspacesDone = table.Column<long>(type: "INTEGER", nullable: false),
                    WorkspacesHeld = table.Column<long>(type: "INTEGER", nullable: false),
                    Checkpoint = table.Column<string>(type: "TEXT", maxLength: 16384, nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_RetentionRuns", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "RetentionWorkspaceRuns",
                columns: table => new
                {
                    WorkspaceId = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    RunId = table.Column<string>(type: "TEXT", maxLength: 24, nullable: false),
                    StartedAt = table.Column<long>(type: "INTEGER", nullable: false),
                    FinishedAt = table.Column<long>(type: "INTEGER", nullable: false),
                    Counts = table.Column<string>(type: "TEXT", maxLength: 8000, nullable: false),
                    ActivityEntryId = table.Column<string>(type: "TEXT", maxLength: 24, nullable: false),
                    ActivityLogLeafIndex = table.Column<long>(type: "INTEGER", nullable: false),
                    SigningKeyId = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    Signature = table.Column<byte[]>(type: "BLOB", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_RetentionWorkspaceRuns", x => new { x.WorkspaceId, x.RunId });
                    table.ForeignKey(
                        name: "FK_RetentionWorkspaceRuns_Workspaces_WorkspaceId",
                        column: x => x.WorkspaceId,
                        principalTable: "Workspaces",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "IX_Jobs_State_CompletedAt",
                table: "Jobs",
                columns: new[] { "State", "CompletedAt" });

            migrationBuilder.CreateIndex(
                name: "IX_ConversationParts_WorkspaceId_CreatedAt",
                table: "ConversationParts",
                columns: new[] { "WorkspaceId", "CreatedAt" });

            migrationBuilder.CreateIndex(
                name: "IX_Contacts_WorkspaceId_LastSeenAt",
                table: "Contacts",
                columns: new[] { "WorkspaceId", "LastSeenAt" });

            migrationBuilder.CreateIndex(
                name: "IX_RetentionRuns_StartedAt",
                table: "RetentionRuns",
                column: "StartedAt");

            migrationBuilder.CreateIndex(
                name: "IX_RetentionWorkspaceRuns_WorkspaceId_FinishedAt",
                table: "RetentionWorkspaceRuns",
                columns: new[] { "WorkspaceId", "FinishedAt" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "RetentionControls");

            migrationBuilder.DropTable(
                name: "RetentionRuleSettings");

            migrationBuilder.DropTable(
                name: "RetentionRuns");

            migrationBuilder.DropTable(
                name: "RetentionWorkspaceRuns");

            migrationBuilder.DropIndex(
                name: "IX_Jobs_State_CompletedAt",
                table: "Jobs");

            migrationBuilder.DropIndex(
                name: "IX_ConversationParts_WorkspaceId_CreatedAt",
                table: "ConversationParts");

            migrationBuilder.DropIndex(
                name: "IX_Contacts_WorkspaceId_LastSeenAt",
                table: "Contacts");

            migrationBuilder.DropColumn(
                name: "InactivityDeletesAt",
                table: "Workspaces");

            migrationBuilder.DropColumn(
                name: "InactivityWarnedFor",
                table: "Workspaces");

            migrationBuilder.DropColumn(
                name: "InactivityWarningStage",
                table: "Workspaces");

            migrationBuilder.DropColumn(
                name: "ClosedAt",
                table: "Conversations");
        }
    }
}
