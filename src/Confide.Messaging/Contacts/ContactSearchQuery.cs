using System.Linq.Expressions;
using System.Text.Json;
using Confide.Data;
using Confide.Data.Model;
using Confide.Platform;

namespace Confide.Messaging.Contacts;

/// <summary>
/// Compiles Intercom's contact search query
/// (<c>{"field":"email","operator":"=","value":"a@b.c"}</c>, or <c>{"operator":"AND"|"OR","value":[...]}</c>)
/// into a database predicate. Personal fields are matched through their lookup keys only, so
/// they support equality operators alone: the same rule holds once they are encrypted.
/// </summary>
internal sealed class ContactSearchQuery(LookupKeys lookup)
{
    private const int MaxFilters = 15;
    private const int MaxDepth = 3;

    private static readonly ParameterExpression Contact = Expression.Parameter(typeof(Contact), "c");
    private int _filters;

    public Expression<Func<Contact, bool>> Compile(JsonElement query)
    {
        var body = Node(query, depth: 1);
        return Expression.Lambda<Func<Contact, bool>>(body, Contact);
    }

    private Expression Node(JsonElement node, int depth)
    {
        if (node.ValueKind != JsonValueKind.Object)
        {
            throw Invalid("query must be an object");
        }

        if (depth > MaxDepth)
        {
            throw Invalid($"query nesting is limited to {MaxDepth} levels");
        }

        var op = StringProperty(node, "operator") ?? throw Invalid("operator is required");
        if (op is "AND" or "OR")
        {
            if (!node.TryGetProperty("value", out var children) || children.ValueKind != JsonValueKind.Array || children.GetArrayLength() == 0)
            {
                throw Invalid($"{op} needs a non-empty array of filters as value");
            }

            var parts = children.EnumerateArray().Select(child => Node(child, depth + 1)).ToList();
            return parts.Aggregate((left, right) => op == "AND" ? Expression.AndAlso(left, right) : Expression.OrElse(left, right));
        }

        if (++_filters > MaxFilters)
        {
            throw Invalid($"A query can hold at most {MaxFilters} filters");
        }

        var field = StringProperty(node, "field") ?? throw Invalid("field is required");
        if (!node.TryGetProperty("value", out var value))
        {
            throw Invalid("value is required");
        }

        return field switch
        {
            "id" => Equality(nameof(Data.Model.Contact.Id), op, value, field, v => v),
            "email" => Equality(nameof(Data.Model.Contact.EmailLookup), op, value, field, lookup.Email),
            "external_id" => Equality(nameof(Data.Model.Contact.ExternalIdLookup), op, value, field, lookup.ExternalId),
            "phone" => Equality(nameof(Data.Model.Contact.PhoneLookup), op, value, field, lookup.Phone),
            "role" => Equality(nameof(Data.Model.Contact.Role), op, value, field, v => v),
            "created_at" => Timestamp(nameof(Data.Model.Contact.CreatedAt), op, value, field),
            "updated_at" => Timestamp(nameof(Data.Model.Contact.UpdatedAt), op, value, field),
            "last_seen_at" => Timestamp(nameof(Data.Model.Contact.LastSeenAt), op, value, field),
            "signed_up_at" => Timestamp(nameof(Data.Model.Contact.SignedUpAt), op, value, field),
            _ => throw Invalid($"field '{Truncate(field)}' is not searchable; use one of id, email, external_id, phone, role, created_at, updated_at, last_seen_at, signed_up_at"),
        };
    }

    private static Expression Equality(string property, string op, JsonElement value, string field, Func<string, string> key)
    {
        var member = Expression.Property(Contact, property);
        switch (op)
        {
            case "=":
            case "!=":
                if (value.ValueKind == JsonValueKind.Null)
                {
                    var isNull = Expression.Equal(member, Expression.Constant(null, typeof(string)));
                    return op == "=" ? isNull : Expression.Not(isNull);
                }

                var equal = Expression.Equal(member, Constant(key(StringValue(value, field))));
                return op == "=" ? equal : Expression.Not(equal);
            case "IN":
            case "NIN":
                if (value.ValueKind != JsonValueKind.Array || value.GetArrayLength() is 0 or > 100)
                {
                    throw Invalid($"{op} on {field} needs an array of 1 to 100 values");
                }

                var keys = value.EnumerateArray().Select(v => key(StringValue(v, field))).ToList();
                Expression<Func<List<string>>> keysParameter = () => keys;
                var contains = Expression.Call(typeof(Enumerable), nameof(Enumerable.Contains), [typeof(string)], keysParameter.Body, member);
                return op == "IN" ? contains : Expression.Not(contains);
            default:
                throw Invalid($"operator '{Truncate(op)}' is not supported on {field}; use =, !=, IN or NIN");
        }
    }

    private static Expression Timestamp(string property, string op, JsonElement value, string field)
    {
        var member = Expression.Property(Contact, property);
        long seconds = 0;
        var parsed = value.ValueKind switch
        {
            JsonValueKind.Number => value.TryGetInt64(out seconds),
            JsonValueKind.String => long.TryParse(value.GetString(), System.Globalization.CultureInfo.InvariantCulture, out seconds),
            _ => false,
        };
        if (!parsed)
        {
            throw Invalid($"{field} needs a Unix timestamp in seconds");
        }

        if (seconds is < 0 or > UnixSeconds.Max)
        {
            throw Invalid($"{field} is out of range");
        }

        var at = DateTimeOffset.FromUnixTimeSeconds(seconds);
        Expression Bound(DateTimeOffset instant) => Expression.Convert(Expression.Constant(instant), member.Type);
        return op switch
        {
            ">" => Expression.GreaterThan(member, Bound(at)),
            "<" => Expression.LessThan(member, Bound(at)),
            // Timestamps are returned in whole seconds; "=" matches the whole second.
            "=" => Expression.AndAlso(Expression.GreaterThanOrEqual(member, Bound(at)), Expression.LessThan(member, Bound(at.AddSeconds(1)))),
            "!=" => Expression.Not(Expression.AndAlso(Expression.GreaterThanOrEqual(member, Bound(at)), Expression.LessThan(member, Bound(at.AddSeconds(1))))),
            _ => throw Invalid($"operator '{Truncate(op)}' is not supported on {field}; use =, !=, > or <"),
        };
    }

    /// <summary>Wrap constants so EF Core sends them as parameters, not SQL literals.</summary>
    private static Expression Constant(string value)
    {
        Expression<Func<string>> closure = () => value;
        return closure.Body;
    }

    private static string StringValue(JsonElement value, string field) =>
        value.ValueKind == JsonValueKind.String ? value.GetString()! : throw Invalid($"{field} needs a string value");

    private static string? StringProperty(JsonElement node, string name) =>
        node.TryGetProperty(name, out var p) && p.ValueKind == JsonValueKind.String ? p.GetString() : null;

    private static string Truncate(string value) => value.Length > 40 ? value[..40] : value;

    private static ConfideException Invalid(string message) => new(ConfideError.ParameterInvalid(message));
}
