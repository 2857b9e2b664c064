using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Confide.Data.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class SsoAndPasskeys : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "BreakGlassTeammateId",
                table: "Workspaces",
                type: "TEXT",
                nullable: true);

            migrationBuilder.AddColumn<bool>(
                name: "RequireSso",
                table: "Workspaces",
                type: "INTEGER",
                nullable: false,
                defaultValue: false);

            migrationBuilder.CreateTable(
                name: "AspNetUserPasskeys",
                columns: table => new
                {
                    CredentialId = table.Column<byte[]>(type: "BLOB", maxLength: 1024, nullable: false),
                    UserId = table.Column<string>(type: "TEXT", nullable: false),
                    Data = table.Column<string>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_AspNetUserPasskeys", x => x.CredentialId);
                    table.ForeignKey(
                        name: "FK_AspNetUserPasskeys_AspNetUsers_UserId",
                        column: x => x.UserId,
                        principalTable: "AspNetUsers",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "SsoConnections",
                columns: table => new
                {
                    Id = table.Column<string>(type: "TEXT", maxLength: 24, nullable: false),
                    WorkspaceId = table.Column<string>(type: "TEXT", nullable: false),
                    Protocol = table.Column<string>(type: "TEXT", maxLength: 8, nullable: false),
                    SamlIdpEntityId = table.Column<string>(type: "TEXT", maxLength: 1024, nullable: true),
                    SamlSingleSignOnUrl = table.Column<string>(type: "TEXT", maxLength: 2048, nullable: true),
                    SamlSigningCertificates = table.Column<string>(type: "TEXT", maxLength: 32768, nullable: true),
                    OidcIssuer = table.Column<string>(type: "TEXT", maxLength: 2048, nullable: true),
                    OidcClientId = table.Column<string>(type: "TEXT", maxLength: 255, nullable: true),
                    OidcProtectedClientSecret = table.Column<string>(type: "TEXT", maxLength: 4096, nullable: true),
                    EmailAttribute = table.Column<string>(type: "TEXT", maxLength: 255, nullable: false),
                    NameAttribute = table.Column<string>(type: "TEXT", maxLength: 255, nullable: false),
                    JustInTimeProvisioning = table.Column<bool>(type: "INTEGER", nullable: false),
                    DefaultRole = table.Column<string>(type: "TEXT", maxLength: 24, nullable: false),
                    AllowedEmailDomains = table.Column<string>(type: "TEXT", maxLength: 4000, nullable: false),
                    CreatedAt = table.Column<long>(type: "INTEGER", nullable: false),
                    UpdatedAt = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_SsoConnections", x => x.Id);
                    table.ForeignKey(
                        name: "FK_SsoConnections_Workspaces_WorkspaceId",
                        column: x => x.WorkspaceId,
                        principalTable: "Workspaces",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "SsoConsumedAssertions",
                columns: table => new
                {
                    Id = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    WorkspaceId = table.Column<string>(type: "TEXT", nullable: false),
                    ExpiresAt = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_SsoConsumedAssertions", x => x.Id);
                    table.ForeignKey(
                        name: "FK_SsoConsumedAssertions_Workspaces_WorkspaceId",
                        column: x => x.WorkspaceId,
                        principalTable: "Workspaces",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "IX_AspNetUserPasskeys_UserId",
                table: "AspNetUserPasskeys",
                column: "UserId");

            migrationBuilder.CreateIndex(
                name: "IX_SsoConnections_WorkspaceId",
                table: "SsoConnections",
                column: "WorkspaceId",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_SsoConsumedAssertions_ExpiresAt",
                table: "SsoConsumedAssertions",
                column: "ExpiresAt");

            migrationBuilder.CreateIndex(
                name: "IX_SsoConsumedAssertions_WorkspaceId",
                table: "SsoConsumedAssertions",
                column: "WorkspaceId");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "AspNetUserPasskeys");

            migrationBuilder.DropTable(
                name: "SsoConnections");

            migrationBuilder.DropTable(
                name: "SsoConsumedAssertions");

            migrationBuilder.DropColumn(
                name: "BreakGlassTeammateId",
                table: "Workspaces");

            migrationBuilder.DropColumn(
                name: "RequireSso",
                table: "Workspaces");
        }
    }
}
