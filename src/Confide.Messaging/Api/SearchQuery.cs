using System.Globalization;
using System.Linq.Expressions;
using System.Text.Json;
using Confide.Platform;

namespace Confide.Messaging.Api;

/// <summary>The body of Intercom's search endpoints: <c>{"query":{…},"pagination":{"per_page","starting_after"}}</c>.</summary>
internal sealed record SearchRequest(JsonElement? Query, SearchPagination? Pagination);

internal sealed record SearchPagination(int? PerPage, string? StartingAfter);

/// <summary>One filter of a search query: <c>{"field","operator","value"}</c>.</summary>
internal sealed record SearchFilter(string Field, string Operator, JsonElement Value);

/// <summary>
/// Intercom's search query language, shared by every search Confide serves: a filter
/// (<c>{"field":"email","operator":"=","value":"a@b.c"}</c>) or a group
/// (<c>{"operator":"AND"|"OR","value":[...]}</c>) of filters and groups. This class parses and
/// bounds the query and combines the filters; which fields a search has, and how a filter on
/// each becomes a database predicate, is the search's own <see cref="SearchFields{T}"/>.
/// Every refusal is a 400 <c>parameter_invalid</c> that names the field or operator, never a value.
/// </summary>
internal static class SearchQuery
{
    public const int MaxFilters = 15;
    public const int MaxDepth = 3;

    /// <summary>Why a field stored only encrypted cannot be searched (yet): no lookup key stands for it.</summary>
    public const string EncryptedReason = "is stored only encrypted and is not searchable yet";

    /// <summary>
    /// The query as one predicate. Fields of encrypted values resolve their filters against the
    /// search index first (<see cref="SearchFields{T}.AddResolved"/>), so this is asynchronous; the
    /// whole query is checked before any of them runs.
    /// </summary>
    public static async Task<Expression<Func<T, bool>>> CompileAsync<T>(JsonElement query, SearchFields<T> fields, CancellationToken cancellationToken)
    {
        var subject = Expression.Parameter(typeof(T), "x");
        var filters = 0;
        var pending = new List<(SearchFilter Filter, Func<SearchFilter, CancellationToken, Task<Expression<Func<T, bool>>>> Resolve, ParameterExpression Placeholder)>();
        var body = Node(query, depth: 1);
        if (pending.Count == 0)
        {
            return Expression.Lambda<Func<T, bool>>(body, subject);
        }

        var resolved = new Dictionary<ParameterExpression, Expression>();
        foreach (var (filter, resolve, placeholder) in pending)
        {
            var predicate = await resolve(filter, cancellationToken);
            resolved[placeholder] = new Rebinder(predicate.Parameters[0], subject).Visit(predicate.Body);
        }

        return Expression.Lambda<Func<T, bool>>(new Substitution(resolved).Visit(body), subject);

        Expression Node(JsonElement node, int depth)
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

            if (++filters > MaxFilters)
            {
                throw Invalid($"A query can hold at most {MaxFilters} filters");
            }

            var field = StringProperty(node, "field") ?? throw Invalid("field is required");
            if (!node.TryGetProperty("value", out var value))
            {
                throw Invalid("value is required");
            }

            var filter = new SearchFilter(field, op, value);
            if (fields.Resolver(filter) is { } resolver)
            {
                // Checked now, resolved once the whole query is known to be valid.
                resolver.Check(filter);
                var placeholder = Expression.Parameter(typeof(bool), $"resolved{pending.Count}");
                pending.Add((filter, resolver.Resolve, placeholder));
                return placeholder;
            }

            var predicate = fields.Build(filter);
            return new Rebinder(predicate.Parameters[0], subject).Visit(predicate.Body);
        }
    }

    /// <summary>Replaces the placeholders of resolved filters with their predicates.</summary>
    private sealed class Substitution(Dictionary<ParameterExpression, Expression> resolved) : ExpressionVisitor
    {
        protected override Expression VisitParameter(ParameterExpression node) => resolved.TryGetValue(node, out var predicate) ? predicate : base.VisitParameter(node);
    }

    internal static string Truncate(string value) => value.Length > 40 ? value[..40] : value;

    internal static ConfideException Invalid(string message) => new(ConfideError.ParameterInvalid(message));

    private static string? StringProperty(JsonElement node, string name) =>
        node.TryGetProperty(name, out var p) && p.ValueKind == JsonValueKind.String ? p.GetString() : null;
}

/// <summary>
/// The fields one search accepts, in the order its error messages list them, and the fields it
/// knows but refuses (stored only encrypted, or not recorded), each with the reason it gives.
/// </summary>
internal sealed class SearchFields<T>
{
    private readonly Dictionary<string, Func<SearchFilter, Expression<Func<T, bool>>>> _fields = new(StringComparer.Ordinal);
    private readonly List<string> _names = [];
    private readonly List<(string Name, string Reason)> _refused = [];
    private readonly List<(string Name, SearchResolver<T> Resolver)> _resolved = [];

    public SearchFields<T> Add(string name, Func<SearchFilter, Expression<Func<T, bool>>> build)
    {
        _fields.Add(name, build);
        _names.Add(name);
        return this;
    }

    /// <summary>
    /// A field whose filters are answered from outside the query (the encrypted-field index): a
    /// name ending with <c>.</c> stands for every field under it. Checked while the query is read,
    /// resolved after.
    /// </summary>
    public SearchFields<T> AddResolved(string name, SearchResolver<T> resolver)
    {
        _resolved.Add((name, resolver));
        if (!name.EndsWith('.'))
        {
            _names.Add(name);
        }

        return this;
    }

    internal SearchResolver<T>? Resolver(SearchFilter filter)
    {
        foreach (var (name, resolver) in _resolved)
        {
            if (name.EndsWith('.') ? filter.Field.StartsWith(name, StringComparison.Ordinal) && filter.Field.Length > name.Length : filter.Field == name)
            {
                return resolver;
            }
        }

        return null;
    }

    /// <summary>A field the search refuses, with the reason; a name ending with <c>.</c> stands for every field under it.</summary>
    public SearchFields<T> Refuse(string name, string reason)
    {
        _refused.Add((name, reason));
        return this;
    }

    internal Expression<Func<T, bool>> Build(SearchFilter filter)
    {
        if (_fields.TryGetValue(filter.Field, out var build))
        {
            return build(filter);
        }

        foreach (var (name, reason) in _refused)
        {
            if (name.EndsWith('.') ? filter.Field.StartsWith(name, StringComparison.Ordinal) : filter.Field == name)
            {
                throw SearchQuery.Invalid($"field '{SearchQuery.Truncate(filter.Field)}' {reason}");
            }
        }

        throw SearchQuery.Invalid($"field '{SearchQuery.Truncate(filter.Field)}' is not searchable; use one of {string.Join(", ", _names)}");
    }
}

/// <summary>
/// How a filter on a field answered from outside the query becomes a predicate: <see cref="Check"/>
/// refuses a bad filter (synchronously, while the query is read), <see cref="Resolve"/> builds it.
/// </summary>
internal sealed record SearchResolver<T>(Action<SearchFilter> Check, Func<SearchFilter, CancellationToken, Task<Expression<Func<T, bool>>>> Resolve);

/// <summary>How a filter on a field of each kind (text, time, flag, count, set) becomes a predicate, with Intercom's operators.</summary>
internal static class SearchFilters
{
    /// <summary>
    /// <c>=</c>, <c>!=</c>, <c>IN</c>, <c>NIN</c> on a text column; <c>null</c> matches an absent value.
    /// <paramref name="key"/> turns a value into what the column holds (a lookup key of an encrypted field).
    /// With <paramref name="numbers"/>, an id may be given as a JSON number, as Intercom's clients do.
    /// </summary>
    public static Expression<Func<T, bool>> Text<T>(SearchFilter filter, Expression<Func<T, string?>> member, Func<string, string>? key = null, bool numbers = false)
    {
        var map = key ?? (v => v);
        switch (filter.Operator)
        {
            case "=" or "!=":
                var matches = filter.Value.ValueKind == JsonValueKind.Null
                    ? Bind(member, m => Expression.Equal(m, Expression.Constant(null, typeof(string))))
                    : Bind(member, m => Expression.Equal(m, Closure(map(Value(filter.Value, filter.Field, numbers)))));
                return filter.Operator == "=" ? matches : Not(matches);
            case "IN" or "NIN":
                var values = Values(filter, v => map(Value(v, filter.Field, numbers)));
                var contains = Bind(member, m => Expression.Call(typeof(Enumerable), nameof(Enumerable.Contains), [typeof(string)], Closure(values), m));
                return filter.Operator == "IN" ? contains : Not(contains);
            default:
                throw Unsupported(filter, "=, !=, IN or NIN");
        }
    }

    /// <summary>
    /// A set of ids a row has (its tags, its teammates): <c>=</c> and <c>IN</c> match a row that has
    /// any of the values, <c>!=</c> and <c>NIN</c> one that has none. <paramref name="anyOf"/> says
    /// whether the row has any of a list of ids.
    /// </summary>
    public static Expression<Func<T, bool>> AnyOf<T>(SearchFilter filter, Expression<Func<T, List<string>, bool>> anyOf)
    {
        List<string> values = filter.Operator switch
        {
            "=" or "!=" => [Value(filter.Value, filter.Field, numbers: true)],
            "IN" or "NIN" => Values(filter, v => Value(v, filter.Field, numbers: true)),
            _ => throw Unsupported(filter, "=, !=, IN or NIN"),
        };
        var body = new Rebinder(anyOf.Parameters[1], Closure(values)).Visit(anyOf.Body);
        var matches = Expression.Lambda<Func<T, bool>>(body, anyOf.Parameters[0]);
        return filter.Operator is "=" or "IN" ? matches : Not(matches);
    }

    /// <summary>A text every row has the same value of (Confide has one kind of source): answered without the database.</summary>
    public static Expression<Func<T, bool>> Fixed<T>(SearchFilter filter, string actual)
    {
        var result = filter.Operator switch
        {
            "=" => Value(filter.Value, filter.Field, numbers: false) == actual,
            "!=" => Value(filter.Value, filter.Field, numbers: false) != actual,
            "IN" => Values(filter, v => Value(v, filter.Field, numbers: false)).Contains(actual),
            "NIN" => !Values(filter, v => Value(v, filter.Field, numbers: false)).Contains(actual),
            _ => throw Unsupported(filter, "=, !=, IN or NIN"),
        };
        return Always<T>(result);
    }

    /// <summary>One of a few named values (<c>priority</c>, <c>not_priority</c>), each a predicate: <c>=</c>, <c>!=</c>, <c>IN</c>, <c>NIN</c>.</summary>
    public static Expression<Func<T, bool>> OneOf<T>(SearchFilter filter, IReadOnlyDictionary<string, Expression<Func<T, bool>>> values)
    {
        Expression<Func<T, bool>> Named(JsonElement value)
        {
            var name = Value(value, filter.Field, numbers: false);
            return values.TryGetValue(name, out var predicate)
                ? predicate
                : throw SearchQuery.Invalid($"{filter.Field} must be one of {string.Join(", ", values.Keys)}");
        }

        return filter.Operator switch
        {
            "=" => Named(filter.Value),
            "!=" => Not(Named(filter.Value)),
            "IN" => Values(filter, Named).Aggregate(Or),
            "NIN" => Not(Values(filter, Named).Aggregate(Or)),
            _ => throw Unsupported(filter, "=, !=, IN or NIN"),
        };
    }

    /// <summary><c>=</c> and <c>!=</c> with <c>true</c> or <c>false</c>.</summary>
    public static Expression<Func<T, bool>> Flag<T>(SearchFilter filter, Expression<Func<T, bool>> predicate)
    {
        var wanted = filter.Value.ValueKind switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            JsonValueKind.String when filter.Value.GetString() is "true" or "false" => filter.Value.GetString() == "true",
            _ => throw SearchQuery.Invalid($"{filter.Field} needs true or false"),
        };
        return filter.Operator switch
        {
            "=" => wanted ? predicate : Not(predicate),
            "!=" => wanted ? Not(predicate) : predicate,
            _ => throw Unsupported(filter, "= or !="),
        };
    }

    /// <summary>An integer: <c>=</c>, <c>!=</c>, <c>&gt;</c>, <c>&gt;=</c>, <c>&lt;</c>, <c>&lt;=</c>.</summary>
    public static Expression<Func<T, bool>> Number<T>(SearchFilter filter, Expression<Func<T, int>> member)
    {
        var number = filter.Value.ValueKind switch
        {
            JsonValueKind.Number when filter.Value.TryGetInt32(out var n) => n,
            JsonValueKind.String when int.TryParse(filter.Value.GetString(), NumberStyles.None, CultureInfo.InvariantCulture, out var n) => n,
            _ => throw SearchQuery.Invalid($"{filter.Field} needs an integer"),
        };
        var bound = Closure(number);
        return filter.Operator switch
        {
            "=" => Bind(member, m => Expression.Equal(m, bound)),
            "!=" => Bind(member, m => Expression.NotEqual(m, bound)),
            ">" => Bind(member, m => Expression.GreaterThan(m, bound)),
            ">=" => Bind(member, m => Expression.GreaterThanOrEqual(m, bound)),
            "<" => Bind(member, m => Expression.LessThan(m, bound)),
            "<=" => Bind(member, m => Expression.LessThanOrEqual(m, bound)),
            _ => throw Unsupported(filter, "=, !=, >, >=, < or <="),
        };
    }

    /// <summary>
    /// A Unix timestamp in seconds against a stored instant: <c>&gt;</c>, <c>&lt;</c>, and the
    /// whole second for <c>=</c>, <c>!=</c>, <c>&gt;=</c> (from its start) and <c>&lt;=</c> (to its end),
    /// since timestamps are returned in whole seconds.
    /// </summary>
    public static Expression<Func<T, bool>> Time<T, TValue>(SearchFilter filter, Expression<Func<T, TValue>> member)
    {
        var (at, next) = Second(filter);
        return filter.Operator switch
        {
            ">" => Bind(member, m => Expression.GreaterThan(m, Instant(at, m.Type))),
            ">=" => Bind(member, m => Expression.GreaterThanOrEqual(m, Instant(at, m.Type))),
            "<" => Bind(member, m => Expression.LessThan(m, Instant(at, m.Type))),
            "<=" => Bind(member, m => Expression.LessThan(m, Instant(next, m.Type))),
            "=" => Bind(member, m => Within(m, at, next)),
            "!=" => Not(Bind(member, m => Within(m, at, next))),
            _ => throw Unsupported(filter, "=, !=, >, >=, < or <="),
        };
    }

    /// <summary>
    /// A timestamp Confide does not record (every row's is null): <c>= null</c> matches every row,
    /// <c>!=</c> a timestamp too; any other comparison none. The value is still checked.
    /// </summary>
    public static Expression<Func<T, bool>> NeverSet<T>(SearchFilter filter)
    {
        if (filter.Value.ValueKind == JsonValueKind.Null)
        {
            return filter.Operator switch
            {
                "=" => Always<T>(true),
                "!=" => Always<T>(false),
                _ => throw Unsupported(filter, "= or != with null"),
            };
        }

        _ = Second(filter);
        return filter.Operator switch
        {
            "!=" => Always<T>(true),
            "=" or ">" or ">=" or "<" or "<=" => Always<T>(false),
            _ => throw Unsupported(filter, "=, !=, >, >=, < or <="),
        };
    }

    /// <summary>
    /// The first (<paramref name="latest"/> false) or last of a set of instants a row has (its
    /// admin replies, its closes), compared without aggregates: <paramref name="exists"/> builds
    /// "the row has an instant meeting this condition" (no condition: any instant). A row without
    /// any instant matches only <c>!=</c>, as a null would.
    /// </summary>
    public static Expression<Func<T, bool>> Extreme<T>(SearchFilter filter, Func<Func<Expression, Expression>?, Expression<Func<T, bool>>> exists, bool latest)
    {
        var (at, next) = Second(filter);
        Func<Expression, Expression> From(DateTimeOffset instant) => e => Expression.GreaterThanOrEqual(e, Instant(instant, e.Type));
        Func<Expression, Expression> After(DateTimeOffset instant) => e => Expression.GreaterThan(e, Instant(instant, e.Type));
        Func<Expression, Expression> Before(DateTimeOffset instant) => e => Expression.LessThan(e, Instant(instant, e.Type));
        Func<Expression, Expression> AtMost(DateTimeOffset instant) => e => Expression.LessThanOrEqual(e, Instant(instant, e.Type));
        var any = exists(null);
        var equal = latest
            ? And(exists(e => Within(e, at, next)), Not(exists(From(next))))
            : And(exists(e => Within(e, at, next)), Not(exists(Before(at))));
        return (latest, filter.Operator) switch
        {
            (_, "=") => equal,
            (_, "!=") => Not(equal),
            (true, ">") => exists(After(at)),
            (true, ">=") => exists(From(at)),
            (true, "<") => And(any, Not(exists(From(at)))),
            (true, "<=") => And(any, Not(exists(From(next)))),
            (false, ">") => And(any, Not(exists(AtMost(at)))),
            (false, ">=") => And(any, Not(exists(Before(at)))),
            (false, "<") => exists(Before(at)),
            (false, "<=") => exists(Before(next)),
            _ => throw Unsupported(filter, "=, !=, >, >=, < or <="),
        };
    }

    private static (DateTimeOffset At, DateTimeOffset Next) Second(SearchFilter filter)
    {
        long seconds = 0;
        var parsed = filter.Value.ValueKind switch
        {
            JsonValueKind.Number => filter.Value.TryGetInt64(out seconds),
            JsonValueKind.String => long.TryParse(filter.Value.GetString(), NumberStyles.None, CultureInfo.InvariantCulture, out seconds),
            _ => false,
        };
        if (!parsed)
        {
            throw SearchQuery.Invalid($"{filter.Field} needs a Unix timestamp in seconds");
        }

        if (seconds is < 0 or > UnixSeconds.Max)
        {
            throw SearchQuery.Invalid($"{filter.Field} is out of range");
        }

        // The end of the last second a DateTimeOffset holds is its maximum, not a second later.
        var at = DateTimeOffset.FromUnixTimeSeconds(seconds);
        return (at, seconds == UnixSeconds.Max ? DateTimeOffset.MaxValue : at.AddSeconds(1));
    }

    private static BinaryExpression Within(Expression member, DateTimeOffset from, DateTimeOffset to) =>
        Expression.AndAlso(Expression.GreaterThanOrEqual(member, Instant(from, member.Type)), Expression.LessThan(member, Instant(to, member.Type)));

    private static UnaryExpression Instant(DateTimeOffset instant, Type type) => Expression.Convert(Expression.Constant(instant), type);

    private static string Value(JsonElement value, string field, bool numbers) => value.ValueKind switch
    {
        JsonValueKind.String => value.GetString()!,
        JsonValueKind.Number when numbers && value.TryGetInt64(out var n) => n.ToString(CultureInfo.InvariantCulture),
        _ => throw SearchQuery.Invalid($"{field} needs a string value"),
    };

    private static List<TValue> Values<TValue>(SearchFilter filter, Func<JsonElement, TValue> value)
    {
        if (filter.Value.ValueKind != JsonValueKind.Array || filter.Value.GetArrayLength() is 0 or > 100)
        {
            throw SearchQuery.Invalid($"{filter.Operator} on {filter.Field} needs an array of 1 to 100 values");
        }

        return [.. filter.Value.EnumerateArray().Select(value)];
    }

    private static ConfideException Unsupported(SearchFilter filter, string operators) =>
        SearchQuery.Invalid($"operator '{SearchQuery.Truncate(filter.Operator)}' is not supported on {filter.Field}; use {operators}");

    /// <summary>Wraps a value so EF Core sends it as a parameter, not an SQL literal.</summary>
    private static Expression Closure<TValue>(TValue value)
    {
        Expression<Func<TValue>> closure = () => value;
        return closure.Body;
    }

    private static Expression<Func<T, bool>> Bind<T, TValue>(Expression<Func<T, TValue>> member, Func<Expression, Expression> predicate) =>
        Expression.Lambda<Func<T, bool>>(predicate(member.Body), member.Parameters);

    private static Expression<Func<T, bool>> Always<T>(bool result) =>
        Expression.Lambda<Func<T, bool>>(Expression.Constant(result), Expression.Parameter(typeof(T), "x"));

    private static Expression<Func<T, bool>> Not<T>(Expression<Func<T, bool>> predicate) =>
        Expression.Lambda<Func<T, bool>>(Expression.Not(predicate.Body), predicate.Parameters);

    private static Expression<Func<T, bool>> And<T>(Expression<Func<T, bool>> left, Expression<Func<T, bool>> right) =>
        Expression.Lambda<Func<T, bool>>(Expression.AndAlso(left.Body, new Rebinder(right.Parameters[0], left.Parameters[0]).Visit(right.Body)), left.Parameters);

    private static Expression<Func<T, bool>> Or<T>(Expression<Func<T, bool>> left, Expression<Func<T, bool>> right) =>
        Expression.Lambda<Func<T, bool>>(Expression.OrElse(left.Body, new Rebinder(right.Parameters[0], left.Parameters[0]).Visit(right.Body)), left.Parameters);
}

/// <summary>Replaces a lambda's parameter, so predicates built apart share one.</summary>
internal sealed class Rebinder(ParameterExpression from, Expression to) : ExpressionVisitor
{
    protected override Expression VisitParameter(ParameterExpression node) => node == from ? to : base.VisitParameter(node);
}
