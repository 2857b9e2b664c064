using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Confide.Data.Migrations.Postgres
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
                type: "text",
                nullable: true);

            migrationBuilder.AddColumn<byte[]>(
                name: "EncryptedBody",
                table: "Notes",
                type: "bytea",
                nullable: false,
                defaultValue: new byte[0]);

            migrationBuilder.AddColumn<byte[]>(
                name: "EncryptedTitle",
                table: "Conversations",
                type: "bytea",
                nullable: true);

            migrationBuilder.AddColumn<byte[]>(
                name: "EncryptedBody",
                table: "ConversationParts",
                type: "bytea",
                nullable: true);

            migrationBuilder.AddColumn<byte[]>(
                name: "EncryptedCustomAttributes",
                table: "Contacts",
                type: "bytea",
                nullable: true);

            migrationBuilder.AddColumn<byte[]>(
                name: "EncryptedEmail",
                table: "Contacts",
                type: "bytea",
                nullable: true);

            migrationBuilder.AddColumn<byte[]>(
                name: "EncryptedExternalId",
                table: "Contacts",
                type: "bytea",
                nullable: true);

            migrationBuilder.AddColumn<byte[]>(
                name: "EncryptedName",
                table: "Contacts",
                type: "bytea",
                nullable: true);

            migrationBuilder.AddColumn<byte[]>(
                name: "EncryptedPhone",
                table: "Contacts",
                type: "bytea",
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
                type: "text",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "Body",
                table: "Notes",
                type: "text",
                nullable: false,
                defaultValue: "");

            migrationBuilder.AddColumn<string>(
                name: "Title",
                table: "Conversations",
                type: "text",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "Body",
                table: "ConversationParts",
                type: "text",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "CustomAttributesJson",
                table: "Contacts",
                type: "text",
                nullable: false,
                defaultValue: "");

            migrationBuilder.AddColumn<string>(
                name: "Email",
                table: "Contacts",
                type: "text",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "ExternalId",
                table: "Contacts",
                type: "text",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "Name",
                table: "Contacts",
                type: "text",
                nullable: true);
        }
    }
}
