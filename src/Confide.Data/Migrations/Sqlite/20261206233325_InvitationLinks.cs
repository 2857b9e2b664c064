using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Confide.Data.Migrations.Sqlite
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
                type: "TEXT",
                nullable: true,
                oldClrType: typeof(string),
                oldType: "TEXT");

            migrationBuilder.AddColumn<string>(
                name: "EmailLookup",
                table: "TeammateInvitations",
                type: "TEXT",
                maxLength: 64,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "LinkTokenHash",
                table: "TeammateInvitations",
                type: "TEXT",
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
                type: "TEXT",
                nullable: false,
                defaultValue: "",
                oldClrType: typeof(string),
                oldType: "TEXT",
                oldNullable: true);
        }
    }
}
