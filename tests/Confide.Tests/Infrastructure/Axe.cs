using System.Text.Json;
using Microsoft.Playwright;

namespace Confide.Tests.Infrastructure;

/// <summary>
/// The axe-core accessibility engine (npm <c>axe-core</c>, installed in <c>tests/axe</c> by
/// scripts/test.sh with <c>npm ci</c>), added to a page or frame and run there. Its script is
/// added as a script element, which the pages' Content-Security-Policy refuses, so scanned pages
/// open in a profile made with <see cref="ProfileOptions"/>.
/// </summary>
public static class Axe
{
    private static readonly Lazy<string> Script = new(() =>
    {
        var path = System.IO.Path.Combine(Checkout.Root(), "tests", "axe", "node_modules", "axe-core", "axe.min.js");
        if (!File.Exists(path))
        {
            Assert.Fail($"axe-core is not installed: run 'npm ci' in tests/axe (scripts/test.sh does). Missing: {path}");
        }

        return File.ReadAllText(path);
    });

    /// <summary>A profile whose pages accept the added script (their policy is not applied).</summary>
    public static BrowserNewContextOptions ProfileOptions(BrowserNewContextOptions? options = null)
    {
        options ??= new();
        options.BypassCSP = true;
        return options;
    }

    /// <summary>
    /// The serious and critical violations in <paramref name="frame"/>'s document, one line each
    /// (rule, impact, help, the elements), labelled with <paramref name="what"/>. Frames inside it
    /// are scanned on their own. Also runs the rule that the visible text of a control is part of
    /// its accessible name, which axe leaves off by default.
    /// </summary>
    public static async Task<IReadOnlyList<string>> SeriousViolationsAsync(IFrame frame, string what)
    {
        if (!await frame.EvaluateAsync<bool>("() => typeof window.axe === 'object'"))
        {
            await frame.AddScriptTagAsync(new() { Content = Script.Value });
        }

        var result = await frame.EvaluateAsync<JsonElement>("""
            async () => {
              const results = await axe.run(document, {
                iframes: false,
                rules: { 'label-content-name-mismatch': { enabled: true } },
              });
              return results.violations
                .filter(v => v.impact === 'serious' || v.impact === 'critical')
                .map(v => `${v.id} (${v.impact}): ${v.help} at ${v.nodes.map(n => n.target.join(' ')).join(', ')}`);
            }
            """);
        return [.. result.EnumerateArray().Select(line => $"{what}: {line.GetString()}")];
    }
}
