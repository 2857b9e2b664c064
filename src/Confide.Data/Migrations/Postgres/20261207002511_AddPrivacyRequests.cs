using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Confide.Data.Migrations.Postgres
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
                    Id = table.Column<string>(type: "character varying(24)", maxLength: 24, nullable: false),
                    WorkspaceId = table.Column<string>(type: "character varying(32)", nullable: false),
                    Kind = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    State = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    ReceivedVia = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    ContactId = table.Column<string>(type: "character varying(24)", maxLength: 24, nullable: true),
                    SubjectIdentifierType = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    SubjectLookup = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: true),
                    EncryptedSubjectEmail = table.Column<byte[]>(type: "bytea", nullable: true),
                    EncryptedSubjectExternalId = table.Column<byte[]>(type: "bytea", nullable: true),
                    EncryptedSubjectPhone = table.Column<byte[]>(type: "bytea", nullable: true),
                    ReceivedAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    DueAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    ExtendedDueAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    DeadlineAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    EncryptedExtensionReason = table.Column<byte[]>(type: "bytea", nullable: true),
                    EncryptedStateReason = table.Column<byte[]>(type: "bytea", nullable: true),
                    ClosedAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    CreatedById = table.Column<string>(type: "character varying(24)", maxLength: 24, nullable: false),
                    CreatedAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    UpdatedAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
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
