namespace Confide.Tests.Infrastructure;

/// <summary>The repository the tests run from, found from the test output by <c>Confide.slnx</c>.</summary>
internal static class Checkout
{
    public static string Root()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "Confide.slnx")))
        {
            directory = directory.Parent;
        }

        return directory?.FullName ?? throw new InvalidOperationException("Confide.slnx not found above the test output.");
    }
}
