using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Confide.Data.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class WorkspaceDeletion : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<DateTimeOffset>(
                name: "DeletedAt",
                table: "Workspaces",
                type: "timestamp with time zone",
                nullable: true);

            migrationBuilder.AddColumn<DateTimeOffset>(
                name: "DeletionDueAt",
                table: "Workspaces",
                type: "timestamp with time zone",
                nullable: true);

            migrationBuilder.AddColumn<DateTimeOffset>(
                name: "DeletionScheduledAt",
                table: "Workspaces",
                type: "timestamp with time zone",
                nullable: true);

            migrationBuilder.CreateTable(
                name: "WorkspaceDeletions",
                columns: table => new
                {
                    Id = table.Column<string>(type: "character varying(24)", maxLength: 24, nullable: false),
                    WorkspaceId = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false),
                    Region = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    RequestedAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    KeyDestroyedAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    DestroyedKeyIds = table.Column<string>(type: "character varying(4000)", maxLength: 4000, nullable: false),
                    ContactKeysDestroyed = table.Column<long>(type: "bigint", nullable: false),
                    ActivityLogLeafIndex = table.Column<long>(type: "bigint", nullable: false),
                    ActivityLogTreeSize = table.Column<long>(type: "bigint", nullable: true),
                    ActivityLogRootHash = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: true),
                    Categories = table.Column<string>(type: "character varying(4000)", maxLength: 4000, nullable: true),
                    CompletedAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    SigningKeyId = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: true),
                    Signature = table.Column<byte[]>(type: "bytea", nullable: true),
                    EncryptedNotice = table.Column<byte[]>(type: "bytea", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_WorkspaceDeletions", x => x.Id);
                });

            migrationBuilder.CreateIndex(
                name: "IX_WorkspaceDeletions_WorkspaceId",
                table: "WorkspaceDeletions",
                column: "WorkspaceId",
                unique: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "WorkspaceDeletions");

            migrationBuilder.DropColumn(
                name: "DeletedAt",
                table: "Workspaces");

            migrationBuilder.DropColumn(
                name: "DeletionDueAt",
                table: "Workspaces");

            migrationBuilder.DropColumn(
                name: "DeletionScheduledAt",
                table: "Workspaces");
        }
    }
}
