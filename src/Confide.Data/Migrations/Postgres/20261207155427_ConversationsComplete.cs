using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Confide.Data.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class ConversationsComplete : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<byte[]>(
                name: "EncryptedCustomAttributes",
                table: "Conversations",
                type: "bytea",
                nullable: true);

            migrationBuilder.AddColumn<byte[]>(
                name: "EncryptedRatingRemark",
                table: "Conversations",
                type: "bytea",
                nullable: true);

            migrationBuilder.AddColumn<DateTimeOffset>(
                name: "RatedAt",
                table: "Conversations",
                type: "timestamp with time zone",
                nullable: true);

            migrationBuilder.AddColumn<int>(
                name: "Rating",
                table: "Conversations",
                type: "integer",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "RatingTeammateId",
                table: "Conversations",
                type: "text",
                nullable: true);

            migrationBuilder.AddColumn<DateTimeOffset>(
                name: "SnoozedUntil",
                table: "Conversations",
                type: "timestamp with time zone",
                nullable: true);

            migrationBuilder.AddColumn<bool>(
                name: "Redacted",
                table: "ConversationParts",
                type: "boolean",
                nullable: false,
                defaultValue: false);

            migrationBuilder.CreateTable(
                name: "ConversationParticipants",
                columns: table => new
                {
                    ConversationId = table.Column<string>(type: "character varying(24)", nullable: false),
                    ContactId = table.Column<string>(type: "character varying(24)", nullable: false),
                    WorkspaceId = table.Column<string>(type: "text", nullable: false),
                    AddedById = table.Column<string>(type: "character varying(24)", maxLength: 24, nullable: false),
                    CreatedAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_ConversationParticipants", x => new { x.ConversationId, x.ContactId });
                    table.ForeignKey(
                        name: "FK_ConversationParticipants_Contacts_ContactId",
                        column: x => x.ContactId,
                        principalTable: "Contacts",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                    table.ForeignKey(
                        name: "FK_ConversationParticipants_Conversations_ConversationId",
                        column: x => x.ConversationId,
                        principalTable: "Conversations",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "IX_ConversationParticipants_ContactId",
                table: "ConversationParticipants",
                column: "ContactId");

            migrationBuilder.CreateIndex(
                name: "IX_ConversationParticipants_WorkspaceId_ContactId",
                table: "ConversationParticipants",
                columns: new[] { "WorkspaceId", "ContactId" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "ConversationParticipants");

            migrationBuilder.DropColumn(
                name: "EncryptedCustomAttributes",
                table: "Conversations");

            migrationBuilder.DropColumn(
                name: "EncryptedRatingRemark",
                table: "Conversations");

            migrationBuilder.DropColumn(
                name: "RatedAt",
                table: "Conversations");

            migrationBuilder.DropColumn(
                name: "Rating",
                table: "Conversations");

            migrationBuilder.DropColumn(
                name: "RatingTeammateId",
                table: "Conversations");

            migrationBuilder.DropColumn(
                name: "SnoozedUntil",
                table: "Conversations");

            migrationBuilder.DropColumn(
                name: "Redacted",
                table: "ConversationParts");
        }
    }
}
