using Confide.Data;
using Confide.Data.Model;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata;

namespace Confide.Tests.Retention;

/// <summary>
/// Rows that still name erased contacts or their conversations, in every table of the model: a
/// column <c>ContactId</c> or <c>ConversationId</c>, and the contacts' and conversations' own rows.
/// </summary>
internal static class RetentionLeftovers
{
    /// <summary>Tables that keep a contact's id by design, with the reason.</summary>
    private static readonly Dictionary<Type, string> Kept = new()
    {
        [typeof(PrivacyRequest)] = "the record of a request is kept; the erasure clears the subject's identifiers from it",
        [typeof(LegalHold)] = "a hold names its target by id; a held contact is never erased",
    };

    public static async Task<List<string>> FindAsync(ConfideDbContext db, IReadOnlyCollection<string> contactIds, IReadOnlyCollection<string> conversationIds)
    {
        var left = new List<string>();
        foreach (var entity in db.Model.GetEntityTypes().Where(e => e.GetTableName() is not null && !Kept.ContainsKey(e.ClrType)))
        {
            var table = StoreObjectIdentifier.Table(entity.GetTableName()!, entity.GetSchema());
            foreach (var property in entity.GetProperties())
            {
                IReadOnlyCollection<string>? ids = property.Name switch
                {
                    "ContactId" => contactIds,
                    "ConversationId" => conversationIds,
                    "Id" when entity.ClrType == typeof(Contact) => contactIds,
                    "Id" when entity.ClrType == typeof(Conversation) => conversationIds,
                    _ => null,
                };
                if (ids is not { Count: > 0 })
                {
                    continue;
                }

                // Test-made ids (letters and digits): inlined.
                var list = string.Join(',', ids.Select(id => $"'{id}'"));
                var sql = $"SELECT count(*) AS \"Value\" FROM \"{table.Name}\" WHERE \"{property.GetColumnName(table)}\" IN ({list})";
                var count = await db.Database.SqlQueryRaw<long>(sql).SingleAsync();
                if (count > 0)
                {
                    left.Add($"{entity.ClrType.Name}.{property.Name} ({count})");
                }
            }
        }

        return left;
    }
}
