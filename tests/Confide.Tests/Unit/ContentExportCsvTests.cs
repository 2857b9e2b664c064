using Confide.Privacy.Exports.Content;

namespace Confide.Tests.Unit;

/// <summary>The data export's CSV opens in a spreadsheet without running what a contact wrote.</summary>
public sealed class ContentExportCsvTests
{
    [Fact]
    public void TextThatASpreadsheetWouldRun_IsPrefixed_AndOtherTextAndIdsAreKept()
    {
        using var writer = new StringWriter();
        ContentExportCsv.WriteRow(writer, new ContentExportRow(
            "0192aaaaaaaaaaaaaaaaaaaaaaaaaaaa", "-ext", "@evil.example", "=HYPERLINK(\"https://x.example\",\"click\")", "m1", "+1 offer",
            "c1", DateTimeOffset.FromUnixTimeSeconds(1_700_000_000), null));
        var fields = writer.ToString().TrimEnd('\n');

        Assert.StartsWith("0192aaaaaaaaaaaaaaaaaaaaaaaaaaaa,'-ext,-1,'@evil.example,\"'=HYPERLINK(\"\"https://x.example\"\",\"\"click\"\")\",m1,m1,,'+1 offer,", fields, StringComparison.Ordinal);
        Assert.Contains(",1700000000,-1,", fields, StringComparison.Ordinal);
        Assert.Equal("Ada Lovelace", ContentExportCsv.Text("Ada Lovelace"));
        Assert.Equal("'\tx", ContentExportCsv.Text("\tx"));
        Assert.Null(ContentExportCsv.Text(null));
    }
}
