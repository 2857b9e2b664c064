using System.Buffers;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Confide.Audit;

/// <summary>Who performed an entry's activity, as recorded (email read from the teammate's record).</summary>
public sealed record ActivityPerformer(string Type, string Id, string? Email, string? Ip, string? TokenId);

/// <summary>
/// One activity-log entry as hashed and exported: <see cref="ToJson"/> writes its canonical
/// bytes once, at append time; from then on those exact bytes are what is stored (sealed),
/// hashed into the tree and exported, so verification never depends on re-serialising.
/// </summary>
public sealed record ActivityEntry(
    string WorkspaceId,
    string Region,
    long Sequence,
    string Id,
    long CreatedAtMs,
    string ActivityType,
    ActivityPerformer PerformedBy,
    string PerformedVia,
    ActivityTarget? Target,
    string Description,
    JsonObject? Metadata,
    string? PreviousHash,
    string Salt)
{
    public const string Kind = "activity";
    public const int Format = 1;

    public byte[] ToJson()
    {
        var buffer = new ArrayBufferWriter<byte>(512);
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("kind", Kind);
            json.WriteNumber("format", Format);
            json.WriteString("workspace_id", WorkspaceId);
            json.WriteString("region", Region);
            json.WriteNumber("sequence", Sequence);
            json.WriteString("id", Id);
            json.WriteNumber("created_at_ms", CreatedAtMs);
            json.WriteString("activity_type", ActivityType);
            json.WriteStartObject("performed_by");
            json.WriteString("type", PerformedBy.Type);
            json.WriteString("id", PerformedBy.Id);
            WriteOptional(json, "email", PerformedBy.Email);
            WriteOptional(json, "ip", PerformedBy.Ip);
            WriteOptional(json, "token_id", PerformedBy.TokenId);
            json.WriteEndObject();
            json.WriteString("performed_via", PerformedVia);
            if (Target is null)
            {
                json.WriteNull("target");
            }
            else
            {
                json.WriteStartObject("target");
                json.WriteString("type", Target.Type);
                json.WriteString("id", Target.Id);
                json.WriteEndObject();
            }

            json.WriteString("activity_description", Description);
            json.WritePropertyName("metadata");
            (Metadata ?? []).WriteTo(json);
            WriteOptional(json, "previous_hash", PreviousHash);
            json.WriteString("salt", Salt);
            json.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }

    public static ActivityEntry Parse(ReadOnlySpan<byte> json)
    {
        var node = JsonNode.Parse(json)?.AsObject() ?? throw new FormatException("An activity entry is a JSON object.");
        if ((string?)node["kind"] != Kind)
        {
            throw new FormatException("Not an activity entry.");
        }

        var by = node["performed_by"]!.AsObject();
        var target = node["target"] as JsonObject;
        return new ActivityEntry(
            (string)node["workspace_id"]!,
            (string)node["region"]!,
            (long)node["sequence"]!,
            (string)node["id"]!,
            (long)node["created_at_ms"]!,
            (string)node["activity_type"]!,
            new ActivityPerformer((string)by["type"]!, (string)by["id"]!, (string?)by["email"], (string?)by["ip"], (string?)by["token_id"]),
            (string)node["performed_via"]!,
            target is null ? null : new ActivityTarget((string)target["type"]!, (string)target["id"]!),
            (string)node["activity_description"]!,
            node["metadata"]?.DeepClone().AsObject(),
            (string?)node["previous_hash"],
            (string)node["salt"]!);
    }

    private static void WriteOptional(Utf8JsonWriter json, string name, string? value)
    {
        if (value is null)
        {
            json.WriteNull(name);
        }
        else
        {
            json.WriteString(name, value);
        }
    }
}
