using System.CommandLine;
using Confide.Crypto;
using Confide.Data;
using Confide.Platform;
using Npgsql;

namespace Confide.Server.Cli;

/// <summary>
/// <c>confide keys move-store --region eu</c>: moves a region's contact keys from its local key
/// file into the PostgreSQL key store now configured for it (<see cref="ContactKeyStoreMove"/>).
/// Run with the region's servers stopped: a server refuses to start while the file still holds keys.
/// </summary>
internal static class MoveStoreCommand
{
    public static Command Create()
    {
        var region = new Option<string>("--region") { Description = "The region whose contact keys to move (us, eu or au).", Required = true };
        var command = new Command("move-store", "Move a region's contact keys from its local key file (data/keys/<region>/contact-keys.db) into the PostgreSQL key store set in Confide:Regions:<region>:KeyStore:Postgres, in one transaction, verified; then delete the local file. Stop the region's servers first.")
        {
            region,
        };
        command.TreatUnmatchedTokensAsErrors = false;
        command.SetAction(async (result, ct) =>
        {
            var builder = ConfideHost.CreateBuilder(result.UnmatchedTokens.ToArray());
            await using var app = builder.Build();
            var cells = app.Services.GetRequiredService<CellRegistry>();
            if (await CliRegions.SelectAsync(cells, result.GetValue(region)) is not [var target])
            {
                return 2;
            }

            try
            {
                var moved = await ContactKeyStoreMove.MoveAsync(app.Services.GetRequiredService<ContactKeyRing>(), target, ct);
                await Console.Out.WriteLineAsync(moved.Keys == 0 && moved.Marks == 0
                    ? $"{target.Code}: no local contact keys to move; the key store is {moved.To}."
                    : $"{target.Code}: moved {moved.Keys} contact key(s) and {moved.Marks} retiring mark(s) from {moved.From} to {moved.To}; the local file is deleted.");
                return 0;
            }
            catch (Exception ex) when (ex is InvalidOperationException or NpgsqlException or IOException)
            {
                await Console.Error.WriteLineAsync(ex.Message);
                return 1;
            }
        });
        return command;
    }
}
