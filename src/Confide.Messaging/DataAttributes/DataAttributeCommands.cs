using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Confide.Audit;
using Confide.Data;
using Confide.Data.Model;
using Confide.Identity;
using Confide.Messaging.Api;
using Confide.Platform;
using Microsoft.EntityFrameworkCore;

namespace Confide.Messaging.DataAttributes;

/// <summary>
/// Creates and changes the workspace's custom data attribute definitions. Input is checked
/// before the cell's writer; the write checks the name is free (in the writer, so two creations
/// cannot both take it), numbers the attribute and records the change in the activity log.
/// </summary>
internal sealed class DataAttributeCommands(ActivityLog log, TimeProvider time)
{
    /// <summary>Custom attributes per model and workspace, archived ones included.</summary>
    public const int MaxPerModel = 250;

    public const int MaxNameLength = 190;
    public const int MaxDescriptionLength = 1000;

    public async Task<DataAttribute> CreateAsync(CellDatabase cell, ApiCaller caller, DataAttributeInput input, CancellationToken cancellationToken)
    {
        var name = ValidName(input.Name);
        var model = input.Model switch
        {
            null or "" => throw new ConfideException(ConfideError.ParameterMissing("model")),
            DataAttributeModels.Contact => DataAttributeModels.Contact,
            DataAttributeModels.Company => DataAttributeModels.Company,
            DataAttributeModels.Conversation => DataAttributeModels.Conversation,
            _ => throw new ConfideException(ConfideError.ParameterInvalid("model must be 'contact', 'company' or 'conversation'")),
        };
        if (string.IsNullOrEmpty(input.DataType))
        {
            throw new ConfideException(ConfideError.ParameterMissing("data_type"));
        }

        // Intercom's request also names "datetime", which is its date type, and "options", a string with a list of options.
        var dataType = input.DataType switch
        {
            "datetime" => DataAttributeTypes.DateType,
            "options" => DataAttributeTypes.StringType,
            _ => DataAttributeTypes.All.FirstOrDefault(t => t == input.DataType)
                ?? throw new ConfideException(ConfideError.ParameterInvalid($"data_type must be one of {string.Join(", ", DataAttributeTypes.All)} or options")),
        };
        var description = Text.Optional(input.Description, "description", MaxDescriptionLength);
        var options = DataAttributeOptions.Parse(input.Options);
        if (input.DataType == "options" && options is not { Count: > 0 })
        {
            throw new ConfideException(ConfideError.ParameterInvalid("a list attribute (data_type options) needs its options"));
        }

        if (options is { Count: > 0 } && dataType != DataAttributeTypes.StringType)
        {
            throw new ConfideException(ConfideError.ParameterInvalid("options are only for string attributes"));
        }

        var now = time.GetUtcNow();
        return await cell.Writer.WriteAsync(async (db, ct) =>
        {
            var existing = db.DataAttributes.Where(a => a.WorkspaceId == caller.WorkspaceId && a.Model == model);
            if (await existing.AnyAsync(a => a.Name == name, ct))
            {
                throw new ConfideException(ConfideError.ParameterInvalid($"An attribute with this name already exists in your {model} data; use a different name"));
            }

            if (await existing.CountAsync(ct) >= MaxPerModel)
            {
                throw new ConfideException(ConfideError.ParameterInvalid($"A workspace can define at most {MaxPerModel} custom {model} attributes"));
            }

            var id = (await db.DataAttributes.Where(a => a.WorkspaceId == caller.WorkspaceId).MaxAsync(a => (long?)a.Id, ct) ?? 0) + 1;
            var attribute = new DataAttribute
            {
                WorkspaceId = caller.WorkspaceId, Id = id, Model = model, Name = name, Description = description, DataType = dataType,
                Options = options is { Count: > 0 } ? DataAttributeOptions.Write(options) : null, MessengerWritable = input.MessengerWritable ?? false,
                AdminId = caller.TeammateId, CreatedAt = now, UpdatedAt = now,
            };
            db.DataAttributes.Add(attribute);
            await log.AppendAsync(db, cell, caller.WorkspaceId, new ActivityEvent(
                ActivityTypes.DataAttributeCreation, caller.Actor, "A custom data attribute was created.",
                new ActivityTarget("data_attribute", Id(attribute)), new JsonObject
                {
                    ["model"] = model, ["name"] = name, ["data_type"] = dataType,
                    ["options"] = OptionsNode(attribute.Options), ["messenger_writable"] = attribute.MessengerWritable,
                }), ct);
            return attribute;
        }, cancellationToken);
    }

    public async Task<DataAttribute> UpdateAsync(CellDatabase cell, ApiCaller caller, string id, DataAttributeUpdateInput input, CancellationToken cancellationToken)
    {
        if (!long.TryParse(id, NumberStyles.None, CultureInfo.InvariantCulture, out var number))
        {
            throw NotFound();
        }

        var description = Text.Optional(input.Description, "description", MaxDescriptionLength);
        var options = DataAttributeOptions.Parse(input.Options);
        return await cell.Writer.WriteAsync(async (db, ct) =>
        {
            var attribute = await db.DataAttributes.AsTracking().FirstOrDefaultAsync(a => a.WorkspaceId == caller.WorkspaceId && a.Id == number, ct)
                ?? throw NotFound();
            if (options is { Count: > 0 } && attribute.DataType != DataAttributeTypes.StringType)
            {
                throw new ConfideException(ConfideError.ParameterInvalid("options are only for string attributes"));
            }

            var before = State(attribute);
            var descriptionChanged = input.Description is not null && description != attribute.Description;
            if (input.Description is not null)
            {
                attribute.Description = description;
            }

            if (options is not null)
            {
                attribute.Options = options.Count > 0 ? DataAttributeOptions.Write(options) : null;
            }

            attribute.Archived = input.Archived ?? attribute.Archived;
            attribute.MessengerWritable = input.MessengerWritable ?? attribute.MessengerWritable;
            var after = State(attribute);
            if (descriptionChanged || before.ToJsonString() != after.ToJsonString())
            {
                attribute.UpdatedAt = time.GetUtcNow();
                await log.AppendAsync(db, cell, caller.WorkspaceId, new ActivityEvent(
                    ActivityTypes.DataAttributeChange, caller.Actor, "A custom data attribute was changed.",
                    new ActivityTarget("data_attribute", Id(attribute)), new JsonObject
                    {
                        ["model"] = attribute.Model, ["name"] = attribute.Name, ["description_changed"] = descriptionChanged,
                        ["before"] = before, ["after"] = after,
                    }), ct);
            }

            return attribute;
        }, cancellationToken);
    }

    private static string Id(DataAttribute attribute) => attribute.Id.ToString(CultureInfo.InvariantCulture);

    private static JsonObject State(DataAttribute attribute) => new()
    {
        ["options"] = OptionsNode(attribute.Options), ["archived"] = attribute.Archived, ["messenger_writable"] = attribute.MessengerWritable,
    };

    private static JsonNode? OptionsNode(string? options) => options is null ? null : JsonNode.Parse(options);

    private static ConfideException NotFound() =>
        new(new ConfideError(System.Net.HttpStatusCode.NotFound, "field_not_found", "We couldn't find that data attribute to update"));

    /// <summary>Letters, digits, spaces, underscores, hyphens and currency symbols (no dots: <c>full_name</c> splits on them).</summary>
    private static string ValidName(string? value)
    {
        var name = Text.Required(value, "name", MaxNameLength);
        foreach (var c in name)
        {
            if (!(char.IsLetterOrDigit(c) || c is ' ' or '_' or '-' || char.GetUnicodeCategory(c) == UnicodeCategory.CurrencySymbol))
            {
                throw new ConfideException(ConfideError.ParameterInvalid("name must only contain letters, digits, spaces, underscores, hyphens and currency symbols"));
            }
        }

        return name;
    }
}

/// <summary>A list attribute's options: in a request, strings or <c>{"value"}</c> objects; stored as a JSON array of strings.</summary>
internal static class DataAttributeOptions
{
    public const int MaxOptions = 100;
    public const int MaxOptionLength = 255;

    /// <summary>Null when absent (no change); an empty list clears them; otherwise 2 to <see cref="MaxOptions"/> distinct values.</summary>
    public static List<string>? Parse(JsonElement? value)
    {
        if (value is not { } element || element.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (element.ValueKind != JsonValueKind.Array)
        {
            throw Invalid("options must be an array");
        }

        var options = new List<string>();
        foreach (var item in element.EnumerateArray())
        {
            var text = item.ValueKind switch
            {
                JsonValueKind.String => item.GetString(),
                JsonValueKind.Object when item.TryGetProperty("value", out var inner) && inner.ValueKind == JsonValueKind.String => inner.GetString(),
                _ => throw Invalid("each option must be a string or an object with a string value"),
            };
            var option = Text.Required(text, "options.value", MaxOptionLength);
            if (options.Contains(option, StringComparer.Ordinal))
            {
                throw Invalid("options must be distinct");
            }

            options.Add(option);
        }

        if (options.Count == 1 || options.Count > MaxOptions)
        {
            throw Invalid($"a list attribute needs 2 to {MaxOptions} options");
        }

        return options;
    }

    public static string Write(IReadOnlyList<string> options) => JsonSerializer.Serialize(options);

    public static IReadOnlyList<string>? Read(string? stored) => stored is null ? null : JsonSerializer.Deserialize<List<string>>(stored);

    private static ConfideException Invalid(string message) => new(ConfideError.ParameterInvalid(message));
}
