using Confide.Platform;

namespace Confide.Data.Model;

/// <summary>
/// The definition of a custom attribute of contacts or companies (Intercom's custom data
/// attributes): its name, type and list options. Workspace configuration, not personal data:
/// the values live, encrypted, on each contact.
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Naming", "CA1711:Identifiers should not have incorrect suffix", Justification = "Intercom's name for a custom data attribute's definition; not a .NET attribute.")]
public sealed class DataAttribute
{
    [DataCategory(DataCategories.SystemOperations)]
    public required string WorkspaceId { get; init; }

    /// <summary>A number within the workspace (Intercom's ids of data attributes are integers).</summary>
    [DataCategory(DataCategories.SystemOperations)]
    public long Id { get; init; }

    /// <summary>See <see cref="DataAttributeModels"/>.</summary>
    [DataCategory(DataCategories.SystemOperations)]
    public required string Model { get; init; }

    [DataCategory(DataCategories.WorkspaceSetting)]
    public required string Name { get; init; }

    [DataCategory(DataCategories.WorkspaceSetting)]
    public string? Description { get; set; }

    /// <summary>See <see cref="DataAttributeTypes"/>; it cannot change once created.</summary>
    [DataCategory(DataCategories.SystemOperations)]
    public required string DataType { get; init; }

    /// <summary>For a list attribute (a string with fixed choices), the choices as a JSON array of strings; null otherwise.</summary>
    [DataCategory(DataCategories.WorkspaceSetting)]
    public string? Options { get; set; }

    [DataCategory(DataCategories.SystemOperations)]
    public bool MessengerWritable { get; set; }

    [DataCategory(DataCategories.SystemOperations)]
    public bool Archived { get; set; }

    /// <summary>The teammate who created it.</summary>
    [DataCategory(DataCategories.SystemOperations)]
    public string? AdminId { get; init; }

    [DataCategory(DataCategories.SystemOperations)]
    public DateTimeOffset CreatedAt { get; init; }

    [DataCategory(DataCategories.SystemOperations)]
    public DateTimeOffset UpdatedAt { get; set; }
}

public static class DataAttributeModels
{
    public const string Contact = "contact";
    public const string Company = "company";
    public const string Conversation = "conversation";
}

public static class DataAttributeTypes
{
    public const string StringType = "string";
    public const string IntegerType = "integer";
    public const string FloatType = "float";
    public const string BooleanType = "boolean";
    public const string DateType = "date";

    public static IReadOnlyList<string> All { get; } = [StringType, IntegerType, FloatType, BooleanType, DateType];
}
