using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Confide.Data.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class InvitationLinks : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AlterColumn<string>(
                name: "AccountId",
                table: "TeammateInvitations",
                type: "text",
                nullable: true,
                oldClrType: typeof(string),
                oldType: "text");

            migrationBuilder.AddColumn<string>(
                name: "EmailLookup",
                table: "TeammateInvitations",
                type: "character varying(64)",
                maxLength: 64,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "LinkTokenHash",
                table: "TeammateInvitations",
                type: "character varying(64)",
                maxLength: 64,
                nullable: true);

            migrationBuilder.CreateIndex(
                name: "IX_TeammateInvitations_LinkTokenHash",
                table: "TeammateInvitations",
                column: "LinkTokenHash",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_TeammateInvitations_WorkspaceId_EmailLookup",
                table: "TeammateInvitations",
                columns: new[] { "WorkspaceId", "EmailLookup" },
                unique: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_TeammateInvitations_LinkTokenHash",
                table: "TeammateInvitations");

            migrationBuilder.DropIndex(
                name: "IX_TeammateInvitations_WorkspaceId_EmailLookup",
                table: "TeammateInvitations");

            migrationBuilder.DropColumn(
                name: "EmailLookup",
                table: "TeammateInvitations");

            migrationBuilder.DropColumn(
                name: "LinkTokenHash",
                table: "TeammateInvitations");

            migrationBuilder.AlterColumn<string>(
                name: "AccountId",
                table: "TeammateInvitations",
                type: "text",
                nullable: false,
                defaultValue: "",
                oldClrType: typeof(string),
                oldType: "text",
                oldNullable: true);
        }
    }
}
