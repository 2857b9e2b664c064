namespace Confide.Tests.Infrastructure;

/// <summary>
/// Screenshots the browser tests take of the product for its docs. Every run writes them under
/// <c>artifacts/screenshots/</c>; with <c>CONFIDE_UPDATE_SCREENSHOTS=1</c> they replace the ones
/// in <c>docs/images/</c>, so a plain test run leaves the checkout unchanged.
/// </summary>
internal static class DocsScreenshots
{
    public static string PathFor(string fileName)
    {
        var update = Environment.GetEnvironmentVariable("CONFIDE_UPDATE_SCREENSHOTS") == "1";
        var directory = update
            ? System.IO.Path.Combine(RepositoryRoot(), "docs", "images")
            : System.IO.Path.Combine(RepositoryRoot(), "artifacts", "screenshots");
        Directory.CreateDirectory(directory);
        return System.IO.Path.Combine(directory, fileName);
    }

    /// <summary>The checkout, found from the test output by Confide.slnx.</summary>
    public static string RepositoryRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(System.IO.Path.Combine(directory.FullName, "Confide.slnx")))
        {
            directory = directory.Parent;
        }

        return directory?.FullName ?? throw new InvalidOperationException("Confide.slnx not found above the test output.");
    }
}
