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
    public override string Email(string email) => Compute("email", NormalizeEmail(email));

    public override string ExternalId(string externalId) => Compute("external_id", externalId);

    public override string Phone(string phone) => Compute("phone", NormalizePhone(phone));

    public override string VisitorId(string visitorId) => Compute("visitor_id", visitorId);

    public override string ContactId(string contactId) => Compute("contact_id", contactId);

    private string Compute(string field, string value)
    {
        var input = Encoding.UTF8.GetBytes($"{field}\0{value}");
        var mac = HMACSHA256.HashData(key, input);
        return "h1:" + Base64Url.EncodeToString(mac);
    }
}
