using System.Diagnostics.CodeAnalysis;

namespace Confide.Platform;

/// <summary>
/// A residency region. Each region is a cell with its own database, key ring and endpoint;
/// the set is fixed in code so that a typo in configuration can never invent a new cell.
/// </summary>
public sealed class Region : IEquatable<Region>
{
    public static readonly Region Us = new("us");
    public static readonly Region Eu = new("eu");
    public static readonly Region Au = new("au");

    public static IReadOnlyList<Region> All { get; } = [Us, Eu, Au];

    private Region(string code) => Code = code;

    /// <summary>Lower-case two-letter code used in ids, tokens, configuration and URLs.</summary>
    public string Code { get; }

    public static bool TryParse(string? code, [NotNullWhen(true)] out Region? region)
    {
        region = All.FirstOrDefault(r => string.Equals(r.Code, code, StringComparison.OrdinalIgnoreCase));
        return region is not null;
    }

    public static Region Parse(string? code) =>
        TryParse(code, out var region)
            ? region
            : throw new ArgumentException($"Unknown region '{code}'. Known regions: {string.Join(", ", All.Select(r => r.Code))}.", nameof(code));

    public bool Equals(Region? other) => ReferenceEquals(this, other);

    public override bool Equals(object? obj) => ReferenceEquals(this, obj);

    public override int GetHashCode() => StringComparer.Ordinal.GetHashCode(Code);

    public override string ToString() => Code;
}
