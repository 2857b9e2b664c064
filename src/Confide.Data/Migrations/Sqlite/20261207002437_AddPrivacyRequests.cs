using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Confide.Data.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class AddPrivacyRequests : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "PrivacyRequests",
                columns: table => new
                {
                    Id = table.Column<string>(type: "TEXT", maxLength: 24, nullable: false),
                    WorkspaceId = table.Column<string>(type: "TEXT", nullable: false),
                    Kind = table.Column<string>(type: "TEXT", maxLength: 16, nullable: false),
                    State = table.Column<string>(type: "TEXT", maxLength: 16, nullable: false),
                    ReceivedVia = table.Column<string>(type: "TEXT", maxLength: 16, nullable: false),
                    ContactId = table.Column<string>(type: "TEXT", maxLength: 24, nullable: true),
                    SubjectIdentifierType = table.Column<string>(type: "TEXT", maxLength: 16, nullable: false),
                    SubjectLookup = table.Column<string>(type: "TEXT", maxLength: 64, nullable: true),
                    EncryptedSubjectEmail = table.Column<byte[]>(type: "BLOB", nullable: true),
                    EncryptedSubjectExternalId = table.Column<byte[]>(type: "BLOB", nullable: true),
                    EncryptedSubjectPhone = table.Column<byte[]>(type: "BLOB", nullable: true),
                    ReceivedAt = table.Column<long>(type: "INTEGER", nullable: false),
                    DueAt = table.Column<long>(type: "INTEGER", nullable: false),
                    ExtendedDueAt = table.Column<long>(type: "INTEGER", nullable: true),
                    DeadlineAt = table.Column<long>(type: "INTEGER", nullable: false),
                    EncryptedExtensionReason = table.Column<byte[]>(type: "BLOB", nullable: true),
                    EncryptedStateReason = table.Column<byte[]>(type: "BLOB", nullable: true),
                    ClosedAt = table.Column<long>(type: "INTEGER", nullable: true),
                    CreatedById = table.Column<string>(type: "TEXT", maxLength: 24, nullable: false),
                    CreatedAt = table.Column<long>(type: "INTEGER", nullable: false),
                    UpdatedAt = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_PrivacyRequests", x => x.Id);
                    table.ForeignKey(
                        name: "FK_PrivacyRequests_Workspaces_WorkspaceId",
                        column: x => x.WorkspaceId,
                        principalTable: "Workspaces",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "IX_PrivacyRequests_WorkspaceId_ContactId",
                table: "PrivacyRequests",
                columns: new[] { "WorkspaceId", "ContactId" });

            migrationBuilder.CreateIndex(
                name: "IX_PrivacyRequests_WorkspaceId_DeadlineAt_Id",
                table: "PrivacyRequests",
                columns: new[] { "WorkspaceId", "DeadlineAt", "Id" });

            migrationBuilder.CreateIndex(
                name: "IX_PrivacyRequests_WorkspaceId_State_DeadlineAt_Id",
                table: "PrivacyRequests",
                columns: new[] { "WorkspaceId", "State", "DeadlineAt", "Id" });

            migrationBuilder.CreateIndex(
                name: "IX_PrivacyRequests_WorkspaceId_SubjectLookup",
                table: "PrivacyRequests",
                columns: new[] { "WorkspaceId", "SubjectLookup" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "PrivacyRequests");
        }
    }
}
