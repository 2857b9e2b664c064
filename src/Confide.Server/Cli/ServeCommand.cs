using System.CommandLine;
using Confide.Platform;
using Confide.Server.Hosting;
using Microsoft.Extensions.Options;

namespace Confide.Server.Cli;

internal static class ServeCommand
{
    public static Command Create()
    {
        var command = new Command("serve", "Serve the regional HTTPS endpoints (the default).") { TreatUnmatchedTokensAsErrors = false };
        command.SetAction((result, ct) => RunAsync(result.UnmatchedTokens.ToArray(), ct));
        return command;
    }

    public static async Task<int> RunAsync(string[] configuration, CancellationToken cancellationToken)
    {
        try
        {
            return await ServeAsync(configuration, cancellationToken);
        }
        catch (Exception ex) when (ex is OptionsValidationException or InvalidOperationException or ArgumentException or IOException or Confide.Crypto.MasterKeyUnavailableException or Confide.Data.DatabaseUnavailableException)
        {
            // Configuration and start-up problems: say what is wrong, without a stack trace.
            await Console.Error.WriteLineAsync($"Confide could not start: {ex.Message}");
            return 1;
        }
    }

    private static async Task<int> ServeAsync(string[] configuration, CancellationToken cancellationToken)
    {
        var builder = ConfideHost.CreateBuilder(configuration);
        ConfideHost.ConfigureEndpoints(builder);
        await using var app = ConfideHost.Build(builder);
        await ConfideHost.MigrateAsync(app.Services, cancellationToken);
        await app.StartAsync(cancellationToken);

        var options = app.Services.GetRequiredService<IOptions<ConfideOptions>>().Value;
        var endpoints = app.Services.GetRequiredService<RegionalEndpoints>();
        var authority = app.Services.GetRequiredService<LocalCertificateAuthority>();
        foreach (var region in options.ServedRegions())
        {
            await Console.Out.WriteLineAsync($"Confide region {region.Code}: {endpoints.PublicUrl(region)}");
        }

        await Console.Out.WriteLineAsync($"Data directory: {options.DataDirectoryFullPath}");
        if (File.Exists(authority.CaCertificatePath))
        {
            await Console.Out.WriteLineAsync($"Local CA certificate (trust it in clients): {authority.CaCertificatePath}");
        }

        await app.WaitForShutdownAsync(cancellationToken);
        return 0;
    }
}
