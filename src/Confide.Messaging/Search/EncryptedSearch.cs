using System.Linq.Expressions;
using System.Text.Json;
using Confide.Crypto;
using Confide.Data;
using Confide.Data.Model;
using Confide.Messaging.Api;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Confide.Messaging.Search;

/// <summary>
/// Answers a filter on an encrypted field (ADR 0015): the search tokens of the filter's text give
/// candidate records — those holding every token, intersected in the database — at most
/// <see cref="SearchOptions.MaxCandidates"/> of them; each candidate's value is decrypted and
/// checked, so only true matches remain; the filter becomes "the record is one of these" (or is
/// not, for <c>!=</c>, <c>NIN</c>, <c>!~</c>), and the rest of the query and its paging run on it
/// unchanged. A token match alone never makes a result.
/// </summary>
internal sealed class EncryptedSearch(ContactKeyRing contactKeys, IOptions<SearchOptions> options)
{
    /// <summary>Candidates are read and decrypted this many at a time.</summary>
    private const int ChunkSize = 500;

    /// <summary>A gram with at most this many owners is selective enough to search on (<see cref="SelectiveAsync"/>).</summary>
    private const int SelectiveGramBound = 1000;

    private static readonly string[] EqualityOperators = ["=", "!=", "IN", "NIN"];
    private static readonly string[] TextOperators = ["=", "!=", "IN", "NIN", "~", "!~", "^", "$"];

    /// <summary>Reads the plaintext of a field for candidate records: id → value (absent: no value, or the record is gone).</summary>
    public delegate Task<Dictionary<string, string>> ValueReader(ConfideDbContext db, List<string> ids, CancellationToken ct);

    /// <summary>One searchable encrypted field of one kind of record (<see cref="SearchTokenKinds"/>).</summary>
    /// <param name="Name">The field as its tokens are keyed.</param>
    /// <param name="Read">Reads candidates' plaintext values.</param>
    /// <param name="Scalars">Whether equality also takes numbers and booleans (custom attributes), besides text.</param>
    public sealed record EncryptedField(string Kind, string Name, ValueReader Read, bool Scalars = false);

    /// <summary>
    /// A resolver for a field: <paramref name="field"/> names the field of a filter (for custom
    /// attributes, the filter's own field); <paramref name="nulls"/> answers <c>= null</c> and
    /// <c>!= null</c> without the index, or refuses them when null.
    /// </summary>
    public SearchResolver<T> Resolver<T>(CellDatabase cell, string workspaceId, LookupKeys keys, Func<SearchFilter, EncryptedField> field,
        Expression<Func<T, string>> id, Expression<Func<T, bool>>? nulls = null, Func<SearchFilter, Expression<Func<T, bool>>?>? equality = null) =>
        new(
            filter => Check(filter, field(filter), nulls is not null, equality is not null),
            async (filter, ct) =>
            {
                if (filter.Value.ValueKind == JsonValueKind.Null && nulls is not null)
                {
                    return filter.Operator == "=" ? nulls : Not(nulls);
                }

                if (equality?.Invoke(filter) is { } direct)
                {
                    return direct;
                }

                var ids = await MatchesAsync(cell, workspaceId, keys, field(filter), filter, ct);
                var contains = Bind(id, member => Expression.Call(typeof(Enumerable), nameof(Enumerable.Contains), [typeof(string)], Closure(ids), member));
                return filter.Operator is "!=" or "NIN" or "!~" ? Not(contains) : contains;
            });

    private static void Check(SearchFilter filter, EncryptedField field, bool nulls, bool equality)
    {
        if (!TextOperators.Contains(filter.Operator))
        {
            throw SearchQuery.Invalid($"operator '{SearchQuery.Truncate(filter.Operator)}' is not supported on {SearchQuery.Truncate(filter.Field)}; use {string.Join(", ", TextOperators)}"
                + (filter.Operator is ">" or ">=" or "<" or "<=" ? " (a value stored only encrypted cannot be compared by range)" : string.Empty));
        }

        if (filter.Value.ValueKind == JsonValueKind.Null)
        {
            if (!nulls || filter.Operator is not ("=" or "!="))
            {
                throw SearchQuery.Invalid($"{SearchQuery.Truncate(filter.Field)} cannot be compared with null{(nulls ? " except by = and !=" : string.Empty)}");
            }

            return;
        }

        if (equality && EqualityOperators.Contains(filter.Operator))
        {
            return;
        }

        foreach (var text in Texts(filter, field))
        {
            if (filter.Operator is "~" or "!~" && SearchText.Length(text) < SearchText.MinContains)
            {
                throw SearchQuery.Invalid($"{filter.Operator} on {SearchQuery.Truncate(filter.Field)} needs at least {SearchText.MinContains} characters");
            }

            if (filter.Operator is "^" or "$" && text.Length == 0)
            {
                throw SearchQuery.Invalid($"{filter.Operator} on {SearchQuery.Truncate(filter.Field)} needs a non-empty text");
            }
        }
    }

    /// <summary>The normalised texts a filter asks for: one, or a list for <c>IN</c> and <c>NIN</c>.</summary>
    private static List<string> Texts(SearchFilter filter, EncryptedField field)
    {
        if (filter.Operator is "IN" or "NIN")
        {
            if (filter.Value.ValueKind != JsonValueKind.Array || filter.Value.GetArrayLength() is 0 or > 100)
            {
                throw SearchQuery.Invalid($"{filter.Operator} on {SearchQuery.Truncate(filter.Field)} needs an array of 1 to 100 values");
            }

            return [.. filter.Value.EnumerateArray().Select(v => One(v, filter, field))];
        }

        return [One(filter.Value, filter, field)];
    }

    private static string One(JsonElement value, SearchFilter filter, EncryptedField field) =>
        (value.ValueKind == JsonValueKind.String
            || (field.Scalars && EqualityOperators.Contains(filter.Operator) && value.ValueKind is JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False)
            ? SearchIndex.AttributeValue(value)
            : null)
        ?? throw SearchQuery.Invalid($"{SearchQuery.Truncate(filter.Field)} needs a {(field.Scalars && EqualityOperators.Contains(filter.Operator) ? "string, number or boolean" : "string")} value");

    /// <summary>The ids of the records whose value truly matches the filter's positive form (<c>!=</c> as <c>=</c>, <c>!~</c> as <c>~</c>).</summary>
    private async Task<List<string>> MatchesAsync(CellDatabase cell, string workspaceId, LookupKeys keys, EncryptedField field, SearchFilter filter, CancellationToken ct)
    {
        var texts = Texts(filter, field);
        var max = options.Value.MaxCandidates;
        await using var db = cell.CreateReadContext();
        var candidates = new HashSet<string>(StringComparer.Ordinal);
        foreach (var text in texts)
        {
            var grams = filter.Operator switch
            {
                "~" or "!~" => SearchText.ContainsGrams(text),
                "^" => SearchText.StartsWithGrams(text),
                "$" => SearchText.EndsWithGrams(text),
                _ => null,
            };
            var tokens = grams is null
                ? new List<string> { keys.SearchToken(SearchText.ExactKind, field.Name, text) }
                : grams.Select(gram => keys.SearchToken(SearchText.GramKind, field.Name, gram)).ToList();
            tokens = await SelectiveAsync(db, workspaceId, field.Kind, tokens, max, ct);
            var n = tokens.Count;
            var owners = await db.SearchTokens
                .Where(t => t.WorkspaceId == workspaceId && t.Kind == field.Kind && tokens.Contains(t.Token))
                .GroupBy(t => t.OwnerId)
                .Where(g => g.Count() == n)
                .Select(g => g.Key)
                .Take(max + 1)
                .ToListAsync(ct);
            candidates.UnionWith(owners);
            if (candidates.Count > max)
            {
                throw SearchQuery.Invalid($"the text filter on {SearchQuery.Truncate(filter.Field)} matches too many records to check; use a longer or more distinctive text");
            }
        }

        var maxLength = SearchIndex.MaxLength(field.Name);
        var matches = new List<string>();
        foreach (var chunk in candidates.Order(StringComparer.Ordinal).Chunk(ChunkSize))
        {
            var values = await field.Read(db, [.. chunk], ct);
            foreach (var (id, value) in values)
            {
                var normalized = SearchText.Normalize(value);
                if (texts.Exists(text => SearchText.Matches(normalized, filter.Operator, text, maxLength)))
                {
                    matches.Add(id);
                }
            }
        }

        return matches;
    }

    /// <summary>
    /// The grams worth selecting on. Every candidate is decrypted and checked, so any of a text's
    /// grams narrows correctly; a common one (a mail domain's <c>exa</c>) would only make the query
    /// read most of the workspace's tokens. Each gram's posting list is counted up to a bound (one
    /// short range scan of the key); when some are rarer than that, only those are used, and the
    /// candidates stay under the cap. A gram nobody has answers at once: nothing matches.
    /// </summary>
    private static async Task<List<string>> SelectiveAsync(ConfideDbContext db, string workspaceId, string kind, List<string> tokens, int maxCandidates, CancellationToken ct)
    {
        if (tokens.Count <= 1)
        {
            return tokens;
        }

        var bound = Math.Min(SelectiveGramBound, maxCandidates);
        var rare = new List<string>();
        foreach (var token in tokens)
        {
            var owners = await db.SearchTokens.Where(t => t.WorkspaceId == workspaceId && t.Kind == kind && t.Token == token).Take(bound + 1).CountAsync(ct);
            if (owners == 0)
            {
                return [token];
            }

            if (owners <= bound)
            {
                rare.Add(token);
            }
        }

        return rare.Count > 0 ? rare : tokens;
    }

    /// <summary>The contact's cipher, or null once it is erased (its values are gone: it matches nothing).</summary>
    public ValueTask<ContactCipher?> CipherAsync(CellDatabase cell, string workspaceId, string contactId, CancellationToken ct) =>
        contactKeys.TryForContactAsync(cell, workspaceId, contactId, ct);

    /// <summary>Wraps a value so EF Core sends it as a parameter, not an SQL literal.</summary>
    private static Expression Closure<TValue>(TValue value)
    {
        Expression<Func<TValue>> closure = () => value;
        return closure.Body;
    }

    private static Expression<Func<T, bool>> Bind<T, TValue>(Expression<Func<T, TValue>> member, Func<Expression, Expression> predicate) =>
        Expression.Lambda<Func<T, bool>>(predicate(member.Body), member.Parameters);

    private static Expression<Func<T, bool>> Not<T>(Expression<Func<T, bool>> predicate) =>
        Expression.Lambda<Func<T, bool>>(Expression.Not(predicate.Body), predicate.Parameters);
}
