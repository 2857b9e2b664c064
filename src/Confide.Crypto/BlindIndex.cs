using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using Confide.Data;

namespace Confide.Crypto;

/// <summary>
/// HMAC-SHA256 lookup keys with a per-workspace key: <c>h1:&lt;base64url(HMAC(key, field ‖ 0 ‖ normalised value))&gt;</c>.
/// The field name is part of the input, so an email and an external id with the same text
/// never share a key.
/// </summary>
internal sealed class BlindIndex(byte[] key) : LookupKeys
{
    private readonly byte[] _lookupKey = key;

    /// <summary>The search-token key: HMAC of a fixed label under the lookup key, so a token and a lookup key never share a key.</summary>
    private readonly byte[] _searchKey = HMACSHA256.HashData(key, "confide search tokens v1"u8);

    public override string Email(string email) => Compute("email", NormalizeEmail(email));

    public override string ExternalId(string externalId) => Compute("external_id", externalId);

    public override string Phone(string phone) => Compute("phone", NormalizePhone(phone));

    public override string VisitorId(string visitorId) => Compute("visitor_id", visitorId);

    public override string ContactId(string contactId) => Compute("contact_id", contactId);

    public override string SearchToken(char kind, string field, string text)
    {
        var input = Encoding.UTF8.GetBytes($"{kind}\0{field}\0{text}");
        Span<byte> mac = stackalloc byte[HMACSHA256.HashSizeInBytes];
        HMACSHA256.HashData(_searchKey, input, mac);
        return Base64Url.EncodeToString(mac[..16]);
    }

    private string Compute(string field, string value)
    {
        var input = Encoding.UTF8.GetBytes($"{field}\0{value}");
        var mac = HMACSHA256.HashData(_lookupKey, input);
        return "h1:" + Base64Url.EncodeToString(mac);
    }
}
