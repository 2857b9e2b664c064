using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Confide.Data.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class WorkspaceDeletion : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<long>(
                name: "DeletedAt",
                table: "Workspaces",
                type: "INTEGER",
                nullable: true);

            migrationBuilder.AddColumn<long>(
                name: "DeletionDueAt",
                table: "Workspaces",
                type: "INTEGER",
                nullable: true);

            migrationBuilder.AddColumn<long>(
                name: "DeletionScheduledAt",
                table: "Workspaces",
                type: "INTEGER",
                nullable: true);

            migrationBuilder.CreateTable(
                name: "WorkspaceDeletions",
                columns: table => new
                {
                    Id = table.Column<string>(type: "TEXT", maxLength: 24, nullable: false),
                    WorkspaceId = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    Region = table.Column<string>(type: "TEXT", maxLength: 16, nullable: false),
                    RequestedAt = table.Column<long>(type: "INTEGER", nullable: false),
                    KeyDestroyedAt = table.Column<long>(type: "INTEGER", nullable: false),
                    DestroyedKeyIds = table.Column<string>(type: "TEXT", maxLength: 4000, nullable: false),
                    ContactKeysDestroyed = table.Column<long>(type: "INTEGER", nullable: false),
                    ActivityLogLeafIndex = table.Column<long>(type: "INTEGER", nullable: false),
                    ActivityLogTreeSize = table.Column<long>(type: "INTEGER", nullable: true),
                    ActivityLogRootHash = table.Column<string>(type: "TEXT", maxLength: 64, nullable: true),
                    Categories = table.Column<string>(type: "TEXT", maxLength: 4000, nullable: true),
                    CompletedAt = table.Column<long>(type: "INTEGER", nullable: true),
                    SigningKeyId = table.Column<string>(type: "TEXT", maxLength: 32, nullable: true),
                    Signature = table.Column<byte[]>(type: "BLOB", nullable: true),
                    EncryptedNotice = table.Column<byte[]>(type: "BLOB", nullable: true)
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
