using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Confide.Data.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class RetentionWorkspaces : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<DateTimeOffset>(
                name: "InactivityDeletesAt",
                table: "Workspaces",
                type: "timestamp with time zone",
                nullable: true);

            migrationBuilder.AddColumn<DateTimeOffset>(
                name: "InactivityWarnedFor",
                table: "Workspaces",
                type: "timestamp with time zone",
                nullable: true);

            migrationBuilder.AddColumn<int>(
                name: "InactivityWarningStage",
                table: "Workspaces",
                type: "integer",
                nullable: true);

            migrationBuilder.CreateIndex(
                name: "IX_Jobs_State_CompletedAt",
                table: "Jobs",
                columns: new[] { "State", "CompletedAt" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_Jobs_State_CompletedAt",
                table: "Jobs");

            migrationBuilder.DropColumn(
                name: "InactivityDeletesAt",
                table: "Workspaces");

            migrationBuilder.DropColumn(
                name: "InactivityWarnedFor",
                table: "Workspaces");

            migrationBuilder.DropColumn(
                name: "InactivityWarningStage",
                table: "Workspaces");
        }
    }
}
