using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Confide.Data.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class ErasureInProgress : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<bool>(
                name: "OpenedByErasure",
                table: "PrivacyRequests",
                type: "INTEGER",
                nullable: false,
                defaultValue: false);

            migrationBuilder.AddColumn<long>(
                name: "LogEntry",
                table: "PendingContactErasures",
                type: "INTEGER",
                nullable: true);

            migrationBuilder.AddColumn<long>(
                name: "ErasureStartedAt",
                table: "Conversations",
                type: "INTEGER",
                nullable: true);

            migrationBuilder.AddColumn<long>(
                name: "ErasureStartedAt",
                table: "Contacts",
                type: "INTEGER",
                nullable: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "OpenedByErasure",
                table: "PrivacyRequests");

            migrationBuilder.DropColumn(
                name: "LogEntry",
                table: "PendingContactErasures");

            migrationBuilder.DropColumn(
                name: "ErasureStartedAt",
                table: "Conversations");

            migrationBuilder.DropColumn(
                name: "ErasureStartedAt",
                table: "Contacts");
        }
    }
}
