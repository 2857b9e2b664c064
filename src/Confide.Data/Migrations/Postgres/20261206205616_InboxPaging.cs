using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Confide.Data.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class InboxPaging : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_Conversations_WorkspaceId_State_UpdatedAt",
                table: "Conversations");

            migrationBuilder.CreateIndex(
                name: "IX_Conversations_WorkspaceId_State_AdminAssigneeId_UpdatedAt_Id",
                table: "Conversations",
                columns: new[] { "WorkspaceId", "State", "AdminAssigneeId", "UpdatedAt", "Id" });

            migrationBuilder.CreateIndex(
                name: "IX_Conversations_WorkspaceId_State_UpdatedAt_Id",
                table: "Conversations",
                columns: new[] { "WorkspaceId", "State", "UpdatedAt", "Id" });

            migrationBuilder.CreateIndex(
                name: "IX_Conversations_WorkspaceId_UpdatedAt_Id",
                table: "Conversations",
                columns: new[] { "WorkspaceId", "UpdatedAt", "Id" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_Conversations_WorkspaceId_State_AdminAssigneeId_UpdatedAt_Id",
                table: "Conversations");

            migrationBuilder.DropIndex(
                name: "IX_Conversations_WorkspaceId_State_UpdatedAt_Id",
                table: "Conversations");

            migrationBuilder.DropIndex(
                name: "IX_Conversations_WorkspaceId_UpdatedAt_Id",
                table: "Conversations");

            migrationBuilder.CreateIndex(
                name: "IX_Conversations_WorkspaceId_State_UpdatedAt",
                table: "Conversations",
                columns: new[] { "WorkspaceId", "State", "UpdatedAt" });
        }
    }
}
