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
        root.SetAction((result, ct) => ServeCommand.RunAsync(result.UnmatchedTokens.ToArray(), ct));
        root.Subcommands.Add(ServeCommand.Create());
        root.Subcommands.Add(WorkspaceCommands.Create());
        root.Subcommands.Add(KeysCommands.Create());
        root.Subcommands.Add(AuditCommands.Create());
        return root;
    }
}
