using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Confide.Data.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class ErasureInProgress : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<bool>(
                name: "OpenedByErasure",
                table: "PrivacyRequests",
                type: "boolean",
                nullable: false,
                defaultValue: false);

            migrationBuilder.AddColumn<long>(
                name: "LogEntry",
                table: "PendingContactErasures",
                type: "bigint",
                nullable: true);

            migrationBuilder.AddColumn<DateTimeOffset>(
                name: "ErasureStartedAt",
                table: "Conversations",
                type: "timestamp with time zone",
                nullable: true);

            migrationBuilder.AddColumn<DateTimeOffset>(
                name: "ErasureStartedAt",
                table: "Contacts",
                type: "timestamp with time zone",
                nullable: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "OpenedByErasure",
                table: "PrivacyRequests");

            migrationBuilder.DropColumn(
                name: "LogEntry",
                table: "PendingContactErasures");

            migrationBuilder.DropColumn(
                name: "ErasureStartedAt",
                table: "Conversations");

            migrationBuilder.DropColumn(
                name: "ErasureStartedAt",
                table: "Contacts");
        }
    }
}
