using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Confide.Data.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class RetentionRules : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<DateTimeOffset>(
                name: "ClosedAt",
                table: "Conversations",
                type: "timestamp with time zone",
                nullable: true);

            migrationBuilder.CreateIndex(
                name: "IX_ConversationParts_WorkspaceId_CreatedAt",
                table: "ConversationParts",
                columns: new[] { "WorkspaceId", "CreatedAt" });

            migrationBuilder.CreateIndex(
                name: "IX_Contacts_WorkspaceId_LastSeenAt",
                table: "Contacts",
                columns: new[] { "WorkspaceId", "LastSeenAt" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_ConversationParts_WorkspaceId_CreatedAt",
                table: "ConversationParts");

            migrationBuilder.DropIndex(
                name: "IX_Contacts_WorkspaceId_LastSeenAt",
                table: "Contacts");

            migrationBuilder.DropColumn(
                name: "ClosedAt",
                table: "Conversations");
        }
    }
}
