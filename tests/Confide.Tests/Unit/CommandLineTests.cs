using Confide.Tests.Infrastructure;

namespace Confide.Tests.Unit;

/// <summary>The <c>confide</c> executable's handling of what it does not know.</summary>
public sealed class CommandLineTests
{
    [Theory]
    [InlineData("frobnicate")]
    [InlineData("workspaces")]
    public async Task AnUnknownCommand_PrintsTheUsage_AndExitsNonZero_WithoutServing(string command)
    {
        using var cli = new ServerProcess();

        var (exitCode, output, error) = await cli.RunCliAsync(command);

        Assert.NotEqual(0, exitCode);
        Assert.Contains($"Unknown command '{command}'", error, StringComparison.Ordinal);
        Assert.Contains("Usage:", error, StringComparison.Ordinal);
        Assert.Contains("audit", error, StringComparison.Ordinal);
        Assert.DoesNotContain("Confide region", output, StringComparison.Ordinal);
    }
}
