using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Confide.Data.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class Messenger : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<int>(
                name: "ContactReadPartCount",
                table: "Conversations",
                type: "INTEGER",
                nullable: false,
                defaultValue: 0);

            migrationBuilder.AddColumn<string>(
                name: "VisitorLookup",
                table: "Contacts",
                type: "TEXT",
                nullable: true);

            migrationBuilder.CreateTable(
                name: "MessengerSecrets",
                columns: table => new
                {
                    Id = table.Column<string>(type: "TEXT", maxLength: 24, nullable: false),
                    WorkspaceId = table.Column<string>(type: "TEXT", nullable: false),
                    SealedSecret = table.Column<byte[]>(type: "BLOB", nullable: false),
                    CreatedAt = table.Column<long>(type: "INTEGER", nullable: false),
                    RetiredAt = table.Column<long>(type: "INTEGER", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_MessengerSecrets", x => x.Id);
                    table.ForeignKey(
                        name: "FK_MessengerSecrets_Workspaces_WorkspaceId",
                        column: x => x.WorkspaceId,
                        principalTable: "Workspaces",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "MessengerSettings",
                columns: table => new
                {
                    WorkspaceId = table.Column<string>(type: "TEXT", nullable: false),
                    IdentityVerificationEnforced = table.Column<bool>(type: "INTEGER", nullable: false),
                    AllowedOrigins = table.Column<string>(type: "TEXT", maxLength: 8000, nullable: true),
                    JwtMaxLifetimeSeconds = table.Column<int>(type: "INTEGER", nullable: false),
                    JsonWebKeySet = table.Column<string>(type: "TEXT", maxLength: 65536, nullable: true),
                    UpdatedAt = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_MessengerSettings", x => x.WorkspaceId);
                    table.ForeignKey(
                        name: "FK_MessengerSettings_Workspaces_WorkspaceId",
                        column: x => x.WorkspaceId,
                        principalTable: "Workspaces",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "IX_Contacts_WorkspaceId_VisitorLookup",
                table: "Contacts",
                columns: new[] { "WorkspaceId", "VisitorLookup" },
                unique: true,
                filter: "\"VisitorLookup\" IS NOT NULL");

            migrationBuilder.CreateIndex(
                name: "IX_MessengerSecrets_WorkspaceId_RetiredAt",
                table: "MessengerSecrets",
                columns: new[] { "WorkspaceId", "RetiredAt" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "MessengerSecrets");

            migrationBuilder.DropTable(
                name: "MessengerSettings");

            migrationBuilder.DropIndex(
                name: "IX_Contacts_WorkspaceId_VisitorLookup",
                table: "Contacts");

            migrationBuilder.DropColumn(
                name: "ContactReadPartCount",
                table: "Conversations");

            migrationBuilder.DropColumn(
                name: "VisitorLookup",
                table: "Contacts");
        }
    }
}
