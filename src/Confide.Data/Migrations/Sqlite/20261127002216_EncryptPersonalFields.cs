using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Confide.Data.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class EncryptPersonalFields : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            // Personal fields move to encrypted columns. The plaintext columns are dropped, not
            // converted: encryption needs the keys, which migrations do not have. Databases from
            // before this change (pre-release only) lose those fields.
            migrationBuilder.DropColumn(
                name: "Body",
                table: "Notes");

            migrationBuilder.DropColumn(
                name: "Title",
                table: "Conversations");

            migrationBuilder.DropColumn(
                name: "Body",
                table: "ConversationParts");

            migrationBuilder.DropColumn(
                name: "CustomAttributesJson",
                table: "Contacts");

            migrationBuilder.DropColumn(
                name: "Email",
                table: "Contacts");

            migrationBuilder.DropColumn(
                name: "ExternalId",
                table: "Contacts");

            migrationBuilder.DropColumn(
                name: "Name",
                table: "Contacts");

            // Not a rename: the plaintext phone column goes; the lookup key starts empty.
            migrationBuilder.DropColumn(
                name: "Phone",
                table: "Contacts");

            migrationBuilder.AddColumn<string>(
                name: "PhoneLookup",
                table: "Contacts",
                type: "TEXT",
                nullable: true);

            migrationBuilder.AddColumn<byte[]>(
                name: "EncryptedBody",
                table: "Notes",
                type: "BLOB",
                nullable: false,
                defaultValue: new byte[0]);

            migrationBuilder.AddColumn<byte[]>(
                name: "EncryptedTitle",
                table: "Conversations",
                type: "BLOB",
                nullable: true);

            migrationBuilder.AddColumn<byte[]>(
                name: "EncryptedBody",
                table: "ConversationParts",
                type: "BLOB",
                nullable: true);

            migrationBuilder.AddColumn<byte[]>(
                name: "EncryptedCustomAttributes",
                table: "Contacts",
                type: "BLOB",
                nullable: true);

            migrationBuilder.AddColumn<byte[]>(
                name: "EncryptedEmail",
                table: "Contacts",
                type: "BLOB",
                nullable: true);

            migrationBuilder.AddColumn<byte[]>(
                name: "EncryptedExternalId",
                table: "Contacts",
                type: "BLOB",
                nullable: true);

            migrationBuilder.AddColumn<byte[]>(
                name: "EncryptedName",
                table: "Contacts",
                type: "BLOB",
                nullable: true);

            migrationBuilder.AddColumn<byte[]>(
                name: "EncryptedPhone",
                table: "Contacts",
                type: "BLOB",
                nullable: true);

            migrationBuilder.CreateIndex(
                name: "IX_Contacts_WorkspaceId_PhoneLookup",
                table: "Contacts",
                columns: new[] { "WorkspaceId", "PhoneLookup" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_Contacts_WorkspaceId_PhoneLookup",
                table: "Contacts");

            migrationBuilder.DropColumn(
                name: "EncryptedBody",
                table: "Notes");

            migrationBuilder.DropColumn(
                name: "EncryptedTitle",
                table: "Conversations");

            migrationBuilder.DropColumn(
                name: "EncryptedBody",
                table: "ConversationParts");

            migrationBuilder.DropColumn(
                name: "EncryptedCustomAttributes",
                table: "Contacts");

            migrationBuilder.DropColumn(
                name: "EncryptedEmail",
                table: "Contacts");

            migrationBuilder.DropColumn(
                name: "EncryptedExternalId",
                table: "Contacts");

            migrationBuilder.DropColumn(
                name: "EncryptedName",
                table: "Contacts");

            migrationBuilder.DropColumn(
                name: "EncryptedPhone",
                table: "Contacts");

            migrationBuilder.DropColumn(
                name: "PhoneLookup",
                table: "Contacts");

            migrationBuilder.AddColumn<string>(
                name: "Phone",
                table: "Contacts",
                type: "TEXT",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "Body",
                table: "Notes",
                type: "TEXT",
                nullable: false,
                defaultValue: "");

            migrationBuilder.AddColumn<string>(
                name: "Title",
                table: "Conversations",
                type: "TEXT",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "Body",
                table: "ConversationParts",
                type: "TEXT",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "CustomAttributesJson",
                table: "Contacts",
                type: "TEXT",
                nullable: false,
                defaultValue: "");

            migrationBuilder.AddColumn<string>(
                name: "Email",
                table: "Contacts",
                type: "TEXT",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "ExternalId",
                table: "Contacts",
                type: "TEXT",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "Name",
                table: "Contacts",
                type: "TEXT",
                nullable: true);
        }
    }
}
