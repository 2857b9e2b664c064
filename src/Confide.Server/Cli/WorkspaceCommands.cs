using System.CommandLine;
using System.Text.Json;
using Confide.Data;
using Confide.Identity;
using Confide.Platform;
using Confide.Server.Hosting;

namespace Confide.Server.Cli;

internal static class WorkspaceCommands
{
    public static Command Create()
    {
        var workspace = new Command("workspace", "Manage workspaces.");
        workspace.Subcommands.Add(CreateCommand());
        workspace.Subcommands.Add(ReceiptCommand());
        return workspace;
    }

    private static Command CreateCommand()
    {
        var region = new Option<string>("--region") { Description = "Region the workspace lives in for ever: us, eu or au.", Required = true };
        var name = new Option<string>("--name") { Description = "Workspace name.", Required = true };
        var owner = new Option<string>("--owner") { Description = "Owner's email address.", Required = true };
        var ownerName = new Option<string?>("--owner-name") { Description = "Owner's display name." };
        var json = new Option<bool>("--json") { Description = "Print one JSON object." };
        var command = new Command("create", "Create a workspace with its owner and an owner API token (shown once).")
        {
            region, name, owner, ownerName, json,
        };
        command.TreatUnmatchedTokensAsErrors = false;
        command.SetAction(async (result, ct) =>
        {
            if (!Region.TryParse(result.GetValue(region), out var target))
            {
                await Console.Error.WriteLineAsync($"Unknown region. Use one of: {string.Join(", ", Region.All)}.");
                return 2;
            }

            // The owner's first password comes from the environment, never from the command line
            // (which other users of the machine can read in the process list).
            var password = Environment.GetEnvironmentVariable("CONFIDE_OWNER_PASSWORD") is { Length: > 0 } p ? p : null;
            var builder = ConfideHost.CreateBuilder(result.UnmatchedTokens.ToArray());
            await using var app = builder.Build();
            var cells = app.Services.GetRequiredService<CellRegistry>();
            if (!cells.Serves(target))
            {
                await Console.Error.WriteLineAsync($"Region '{target}' is not configured in this installation.");
                return 2;
            }

            var cell = cells.Get(target);
            try
            {
                await ConfideHost.PrepareCellAsync(app.Services, cell, ct);
            }
            catch (Confide.Crypto.MasterKeyUnavailableException ex)
            {
                await Console.Error.WriteLineAsync(ex.Message);
                return 1;
            }

            await using var scope = app.Services.CreateAsyncScope();
            var bootstrapper = scope.ServiceProvider.GetRequiredService<WorkspaceBootstrapper>();
            WorkspaceBootstrapper.Result created;
            try
            {
                created = await bootstrapper.CreateAsync(cell, new(result.GetValue(name)!, result.GetValue(owner)!, result.GetValue(ownerName), password), ct);
            }
            catch (ConfideException ex)
            {
                await Console.Error.WriteLineAsync(ex.Error.Message);
                return 2;
            }
            catch (Microsoft.Extensions.Options.OptionsValidationException ex)
            {
                // This command does not start the host, so a bad setting (e.g. the breach corpus) surfaces here.
                await Console.Error.WriteLineAsync(ex.Message);
                return 1;
            }

            var endpoints = app.Services.GetRequiredService<RegionalEndpoints>();
            var authority = app.Services.GetRequiredService<LocalCertificateAuthority>();
            var output = new Dictionary<string, string?>
            {
                ["workspace_id"] = created.WorkspaceId,
                ["region"] = target.Code,
                ["api_base_url"] = endpoints.PublicUrl(target),
                ["access_token"] = created.AccessToken,
                ["owner_id"] = created.OwnerId,
                ["owner_email"] = result.GetValue(owner),
                ["ca_cert_path"] = authority.CaCertificatePath,
            };
            if (created.GeneratedPassword is not null)
            {
                output["owner_initial_password"] = created.GeneratedPassword;
            }

            if (result.GetValue(json))
            {
                await Console.Out.WriteLineAsync(JsonSerializer.Serialize(output));
            }
            else
            {
                foreach (var (key, value) in output)
                {
                    await Console.Out.WriteLineAsync($"{key}: {value}");
                }

                await Console.Out.WriteLineAsync("The access token and any initial password are shown only once.");
            }

            return 0;
        });
        return command;
    }

    /// <summary>
    /// <c>confide workspace receipt ID</c>: prints the signed receipt of a deleted workspace (what
    /// its owners were mailed). Only reads: no master key, no schema change. Exit 0 with the
    /// receipt, 1 when there is none (yet), 2 for bad input.
    /// </summary>
    private static Command ReceiptCommand()
    {
        var id = new Argument<string>("workspace") { Description = "The deleted workspace's id (its region is part of it)." };
        var command = new Command("receipt", "Print the signed deletion receipt of a deleted workspace; check it with 'confide receipts verify'.") { id };
        command.TreatUnmatchedTokensAsErrors = false;
        command.SetAction(async (result, ct) =>
        {
            var workspaceId = result.GetValue(id)!;
            if (!PublicIds.TryGetWorkspaceRegion(workspaceId, out var region) || region is null)
            {
                await Console.Error.WriteLineAsync("Not a workspace id.");
                return 2;
            }

            var builder = ConfideHost.CreateBuilder(result.UnmatchedTokens.ToArray());
            await using var app = builder.Build();
            var cells = app.Services.GetRequiredService<CellRegistry>();
            if (!cells.Serves(region))
            {
                await Console.Error.WriteLineAsync($"Region '{region}' is not configured in this installation.");
                return 2;
            }

            Confide.Data.Model.WorkspaceDeletion? deletion;
            try
            {
                await using var db = cells.Get(region).CreateReadContext();
                deletion = await Microsoft.EntityFrameworkCore.EntityFrameworkQueryableExtensions.FirstOrDefaultAsync(
                    db.WorkspaceDeletions, d => d.WorkspaceId == workspaceId, ct);
            }
            catch (Exception ex) when (DatabaseFailure.IsUnavailable(ex) || ex is System.Data.Common.DbException)
            {
                await Console.Error.WriteLineAsync($"Region '{region}': reading its receipts failed ({DatabaseFailure.ReasonOf(ex)}). Is the database reachable and its schema up to date (start the server once)?");
                return 1;
            }

            if (deletion is null)
            {
                await Console.Error.WriteLineAsync("No deletion of this workspace is recorded in its region.");
                return 1;
            }

            if (Confide.Privacy.Workspaces.WorkspaceDeletionReceiptDocument.From(deletion) is not { } receipt)
            {
                await Console.Error.WriteLineAsync("The workspace's keys are destroyed and its rows are being purged; the receipt follows when the purge is done (see 'confide jobs list --kind workspace.deletion').");
                return 1;
            }

            await Console.Out.WriteLineAsync(System.Text.Encoding.UTF8.GetString(receipt.ToJson()));
            return 0;
        });
        return command;
    }
}
