using System.Text.Json;
using System.Text.Json.Serialization;
using Confide.Data.Model;
using Confide.Messaging.Api;

namespace Confide.Messaging.DataAttributes;

/// <summary>Body of <c>POST /data_attributes</c>.</summary>
internal sealed record DataAttributeInput(string? Name, string? Model, string? DataType, string? Description, JsonElement? Options, bool? MessengerWritable);

/// <summary>Body of <c>PUT /data_attributes/{id}</c>; absent members stay as they are. The type cannot change.</summary>
internal sealed record DataAttributeUpdateInput(string? Description, JsonElement? Options, bool? Archived, bool? MessengerWritable);

/// <summary>Intercom's data attribute: a built-in field of a model, or a custom attribute (with an id).</summary>
internal sealed record DataAttributeView(
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] long? Id,
    string Model,
    string Name,
    string FullName,
    string Label,
    string Description,
    string DataType,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyList<string>? Options,
    bool ApiWritable,
    bool UiWritable,
    bool MessengerWritable,
    bool Custom,
    bool Archived,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? AdminId,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] long? CreatedAt,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] long? UpdatedAt)
{
    public string Type { get; } = "data_attribute";

    public static DataAttributeView From(DataAttribute attribute) => new(
        attribute.Id, attribute.Model, attribute.Name, $"custom_attributes.{attribute.Name}", attribute.Name, attribute.Description ?? "",
        attribute.DataType, DataAttributeOptions.Read(attribute.Options), ApiWritable: true, UiWritable: true, attribute.MessengerWritable,
        Custom: true, attribute.Archived, attribute.AdminId, Unix.Seconds(attribute.CreatedAt), Unix.Seconds(attribute.UpdatedAt));
}

internal sealed record DataAttributeListView(IReadOnlyList<DataAttributeView> Data)
{
    public string Type { get; } = "list";
}
