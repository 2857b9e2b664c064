using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Confide.Data.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class Messenger : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<int>(
                name: "ContactReadPartCount",
                table: "Conversations",
                type: "integer",
                nullable: false,
                defaultValue: 0);

            migrationBuilder.AddColumn<string>(
                name: "VisitorLookup",
                table: "Contacts",
                type: "text",
                nullable: true);

            migrationBuilder.CreateTable(
                name: "MessengerSecrets",
                columns: table => new
                {
                    Id = table.Column<string>(type: "character varying(24)", maxLength: 24, nullable: false),
                    WorkspaceId = table.Column<string>(type: "character varying(32)", nullable: false),
                    SealedSecret = table.Column<byte[]>(type: "bytea", nullable: false),
                    CreatedAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    RetiredAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_MessengerSecrets", x => x.Id);
                    table.ForeignKey(
                        name: "FK_MessengerSecrets_Workspaces_WorkspaceId",
                        column: x => x.WorkspaceId,
                        principalTable: "Workspaces",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "MessengerSettings",
                columns: table => new
                {
                    WorkspaceId = table.Column<string>(type: "character varying(32)", nullable: false),
                    IdentityVerificationEnforced = table.Column<bool>(type: "boolean", nullable: false),
                    AllowedOrigins = table.Column<string>(type: "character varying(8000)", maxLength: 8000, nullable: true),
                    JwtMaxLifetimeSeconds = table.Column<int>(type: "integer", nullable: false),
                    JsonWebKeySet = table.Column<string>(type: "character varying(65536)", maxLength: 65536, nullable: true),
                    UpdatedAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_MessengerSettings", x => x.WorkspaceId);
                    table.ForeignKey(
                        name: "FK_MessengerSettings_Workspaces_WorkspaceId",
                        column: x => x.WorkspaceId,
                        principalTable: "Workspaces",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "IX_Contacts_WorkspaceId_VisitorLookup",
                table: "Contacts",
                columns: new[] { "WorkspaceId", "VisitorLookup" },
                unique: true,
                filter: "\"VisitorLookup\" IS NOT NULL");

            migrationBuilder.CreateIndex(
                name: "IX_MessengerSecrets_WorkspaceId_RetiredAt",
                table: "MessengerSecrets",
                columns: new[] { "WorkspaceId", "RetiredAt" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "MessengerSecrets");

            migrationBuilder.DropTable(
                name: "MessengerSettings");

            migrationBuilder.DropIndex(
                name: "IX_Contacts_WorkspaceId_VisitorLookup",
                table: "Contacts");

            migrationBuilder.DropColumn(
                name: "ContactReadPartCount",
                table: "Conversations");

            migrationBuilder.DropColumn(
                name: "VisitorLookup",
                table: "Contacts");
        }
    }
}
