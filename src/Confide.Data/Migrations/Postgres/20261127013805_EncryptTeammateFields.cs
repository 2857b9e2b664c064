using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Confide.Data.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class EncryptTeammateFields : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            // Teammates' name and email copy move to columns sealed under the workspace's
            // workforce key. Dropped, not converted (migrations have no keys): pre-release
            // databases lose these two fields; sign-in data (the account) is untouched.
            migrationBuilder.DropColumn(
                name: "Email",
                table: "Teammates");

            migrationBuilder.DropColumn(
                name: "Name",
                table: "Teammates");

            migrationBuilder.AddColumn<byte[]>(
                name: "EncryptedEmail",
                table: "Teammates",
                type: "bytea",
                nullable: false,
                defaultValue: new byte[0]);

            migrationBuilder.AddColumn<byte[]>(
                name: "EncryptedName",
                table: "Teammates",
                type: "bytea",
                nullable: false,
                defaultValue: new byte[0]);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "EncryptedEmail",
                table: "Teammates");

            migrationBuilder.DropColumn(
                name: "EncryptedName",
                table: "Teammates");

            migrationBuilder.AddColumn<string>(
                name: "Email",
                table: "Teammates",
                type: "text",
                nullable: false,
                defaultValue: "");

            migrationBuilder.AddColumn<string>(
                name: "Name",
                table: "Teammates",
                type: "text",
                nullable: false,
                defaultValue: "");
        }
    }
}
