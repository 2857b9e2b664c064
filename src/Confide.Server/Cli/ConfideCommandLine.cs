using System.CommandLine;

namespace Confide.Server.Cli;

/// <summary>
/// The one executable: no command serves the regional endpoints; sub-commands are operator
/// tasks that run against the same configuration (and work while a server is running).
/// Anything after <c>--</c> that looks like <c>--Confide:Key=value</c> is configuration.
/// </summary>
public static class ConfideCommandLine
{
    public static RootCommand Create()
    {
        var root = new RootCommand("Confide: privacy-first customer messaging. Without a command, serves the regional endpoints.");
        root.TreatUnmatchedTokensAsErrors = false;
        root.SetAction((result, ct) => UnknownCommand(result.UnmatchedTokens) is { } unknown
            ? UsageAsync(root, unknown)
            : ServeCommand.RunAsync(result.UnmatchedTokens.ToArray(), ct));
        root.Subcommands.Add(ServeCommand.Create());
        root.Subcommands.Add(WorkspaceCommands.Create());
        root.Subcommands.Add(KeysCommands.Create());
        root.Subcommands.Add(AuditCommands.Create());
        root.Subcommands.Add(JobsCommands.Create());
        root.Subcommands.Add(RetentionCommands.Create());
        root.Subcommands.Add(ReceiptsCommands.Create());
        root.Subcommands.Add(CellsCommands.Create());
        root.Subcommands.Add(BackupCommands.CreateBackup());
        root.Subcommands.Add(BackupCommands.CreateRestoreDrill());
        return root;
    }

    /// <summary>
    /// The first token when it cannot be configuration (<c>--Key=value</c>, <c>--Key value</c>,
    /// <c>/Key=value</c>, <c>Key=value</c>): a mistyped command must not start a server.
    /// </summary>
    private static string? UnknownCommand(IReadOnlyList<string> tokens) =>
        tokens.Count > 0 && tokens[0] is var first && !first.StartsWith('-') && !first.StartsWith('/') && !first.Contains('=', StringComparison.Ordinal)
            ? first
            : null;

    private static async Task<int> UsageAsync(RootCommand root, string unknown)
    {
        await Console.Error.WriteLineAsync($"Unknown command '{unknown}'.");
        await root.Parse(["--help"]).InvokeAsync(new InvocationConfiguration { Output = Console.Error });
        return 2;
    }
}
