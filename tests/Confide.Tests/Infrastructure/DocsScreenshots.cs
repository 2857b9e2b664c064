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
            ? System.IO.Path.Combine(Checkout.Root(), "docs", "images")
            : System.IO.Path.Combine(Checkout.Root(), "artifacts", "screenshots");
        Directory.CreateDirectory(directory);
        return System.IO.Path.Combine(directory, fileName);
    }
}
