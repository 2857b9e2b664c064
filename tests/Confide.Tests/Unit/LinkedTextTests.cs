using System.Text.Encodings.Web;
using Confide.Server.Rendering;
using Confide.Tests.Infrastructure;

namespace Confide.Tests.Unit;

public sealed class LinkedTextTests
{
    private static string Html(string? text)
    {
        using var writer = new StringWriter();
        LinkedText.From(text).WriteTo(writer, HtmlEncoder.Default);
        return writer.ToString();
    }

    [Fact]
    public void PlainText_IsEncoded()
    {
        Assert.Equal("", Html(null));
        Assert.Equal("&lt;script&gt;window.__xss=1&lt;/script&gt;", Html("<script>window.__xss=1</script>"));
        Assert.Equal("&lt;img src=x onerror=&quot;a()&quot;&gt;", Html("<img src=x onerror=\"a()\">"));
    }

    [Fact]
    public void WebAddresses_BecomeLinksThatOpenApart()
    {
        Assert.Equal(
            "See <a href=\"https://example.com/x\" rel=\"noopener noreferrer nofollow\" target=\"_blank\">https://example.com/x</a>.",
            Html("See https://example.com/x."));
        Assert.Contains("<a href=\"http://example.com/a?b=1&amp;c=2\" ", Html("(http://example.com/a?b=1&c=2)"), StringComparison.Ordinal);
        Assert.EndsWith("</a>)", Html("(http://example.com/a?b=1&c=2)"), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("javascript:alert(1)")]
    [InlineData("JaVaScRiPt:alert(document.cookie)")]
    [InlineData("data:text/html;base64,PHNjcmlwdD4=")]
    [InlineData("vbscript:msgbox")]
    [InlineData("https://")]
    [InlineData("ftp://example.com/file")]
    public void OtherSchemes_StayText(string text)
    {
        Assert.DoesNotContain("<a", Html(text), StringComparison.Ordinal);
    }

    [Fact]
    public void MarkupCannotBreakOutOfTheLink()
    {
        var html = Html("https://example.com/\"onmouseover=\"x()\" <b>bold</b>");

        Assert.Contains("<a href=\"https://example.com/\" ", html, StringComparison.Ordinal);
        Assert.DoesNotContain("<b>", html, StringComparison.Ordinal);
        Assert.DoesNotContain("\"onmouseover", html, StringComparison.Ordinal);
        Assert.Contains("&lt;b&gt;bold&lt;/b&gt;", html, StringComparison.Ordinal);
    }

    /// <summary>The encoder writes a line break as a character reference, which the page shows as a line break (white-space: pre-wrap).</summary>
    [Fact]
    public void LineBreaks_AndTextAroundSeveralLinks_AreKept()
    {
        Assert.Equal(
            "a&#xA;<a href=\"https://a.example\" rel=\"noopener noreferrer nofollow\" target=\"_blank\">https://a.example</a>&#xA;b "
            + "<a href=\"https://b.example/p\" rel=\"noopener noreferrer nofollow\" target=\"_blank\">https://b.example/p</a> c",
            Html("a\nhttps://a.example\nb https://b.example/p c"));
    }

    /// <summary>Message content reaches pages only encoded: no page or page model opts out of Razor's encoding.</summary>
    [Fact]
    public void NoPage_OutputsRawHtml()
    {
        var pages = Path.Combine(Checkout.Root(), "src", "Confide.Server", "Pages");
        var files = Directory.EnumerateFiles(pages, "*.cs*", SearchOption.AllDirectories).ToList();
        Assert.NotEmpty(files);
        Assert.All(files, file =>
        {
            var source = File.ReadAllText(file);
            Assert.DoesNotContain("Html.Raw", source, StringComparison.Ordinal);
            Assert.DoesNotContain("HtmlString", source, StringComparison.Ordinal);
        });
    }
}
