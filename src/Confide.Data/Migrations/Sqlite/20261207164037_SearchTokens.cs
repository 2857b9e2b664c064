using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Confide.Data.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class SearchTokens : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "SearchTokens",
                columns: table => new
                {
                    WorkspaceId = table.Column<string>(type: "TEXT", nullable: false),
                    Kind = table.Column<string>(type: "TEXT", maxLength: 16, nullable: false),
                    Token = table.Column<string>(type: "TEXT", maxLength: 24, nullable: false),
                    OwnerId = table.Column<string>(type: "TEXT", maxLength: 24, nullable: false),
                    ContactId = table.Column<string>(type: "TEXT", maxLength: 24, nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_SearchTokens", x => new { x.WorkspaceId, x.Kind, x.Token, x.OwnerId });
                    table.ForeignKey(
                        name: "FK_SearchTokens_Contacts_ContactId",
                        column: x => x.ContactId,
                        principalTable: "Contacts",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                    table.ForeignKey(
                        name: "FK_SearchTokens_Workspaces_WorkspaceId",
                        column: x => x.WorkspaceId,
                        principalTable: "Workspaces",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "IX_SearchTokens_ContactId_OwnerId",
                table: "SearchTokens",
                columns: new[] { "ContactId", "OwnerId" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "SearchTokens");
        }
    }
}
