using Confide.Data.Model;
using Confide.Platform;

namespace Confide.Crypto;

/// <summary>
/// Seals and opens teammates' personal fields (name, and the copy of their email shown in the
/// API) under the workspace's workforce key. Sign-in data (the account's email and password
/// hash) lives in ASP.NET Core Identity's tables and is not sealed: sign-in must find it.
/// The workspace's own secrets (messenger identity secrets) are sealed under the same key.
/// </summary>
public sealed class WorkforceCipher
{
    private const string Entity = "teammate";
    private readonly Region _region;
    private readonly string _workspaceId;
    private readonly KeyVersions _keys;

    internal WorkforceCipher(Region region, string workspaceId, IReadOnlyList<DataKey> keys)
    {
        _region = region;
        _workspaceId = workspaceId;
        _keys = new KeyVersions(keys, "this workspace's workforce key");
    }

    public byte[] SealName(string teammateId, string name) => Seal(teammateId, "name", name);

    public byte[] SealEmail(string teammateId, string email) => Seal(teammateId, "email", email);

    public string Name(Teammate teammate) => Open(teammate.Id, "name", teammate.EncryptedName);

    public string Email(Teammate teammate) => Open(teammate.Id, "email", teammate.EncryptedEmail);

    /// <summary>Seals an activity-log entry (it names teammates: email, IP address), bound to its position in the log.</summary>
    public byte[] SealActivityEntry(long sequence, ReadOnlySpan<byte> entry) =>
        _keys.Seal(ActivityContext(sequence), entry);

    public byte[] OpenActivityEntry(long sequence, byte[] sealedEntry) =>
        _keys.OpenBytes(ActivityContext(sequence), sealedEntry);

    /// <summary>Seals a messenger identity secret, bound to its id: copied to another row or workspace, it does not open.</summary>
    public byte[] SealMessengerSecret(string secretId, string secret) => _keys.Seal(MessengerSecretContext(secretId), secret);

    public string OpenMessengerSecret(string secretId, byte[] sealedSecret) => _keys.Open(MessengerSecretContext(secretId), sealedSecret);

    /// <summary>
    /// Seals a field of a privacy request (the identifier the subject gave, a teammate's reason),
    /// bound to the request and the field: a workspace-level record, so not under a contact key
    /// (the request must outlive the contact's erasure, and may have no contact at all).
    /// </summary>
    public byte[] SealPrivacyRequestField(string requestId, string field, string value) => _keys.Seal(PrivacyRequestContext(requestId, field), value);

    public string OpenPrivacyRequestField(string requestId, string field, byte[] sealedValue) => _keys.Open(PrivacyRequestContext(requestId, field), sealedValue);

    /// <summary>Seals a legal hold's reason (a matter, a case number: it may name people), bound to the hold.</summary>
    public byte[] SealLegalHoldReason(string holdId, string reason) => _keys.Seal(LegalHoldContext(holdId), reason);

    public string OpenLegalHoldReason(string holdId, byte[] sealedReason) => _keys.Open(LegalHoldContext(holdId), sealedReason);

    /// <summary>
    /// Seals a company's custom attributes (a JSON object), bound to the company: a workspace-level
    /// record, so under the workspace key; free-form, so they may name people.
    /// </summary>
    public byte[] SealCompanyAttributes(string companyId, string json) => _keys.Seal(CompanyContext(companyId), json);

    public string OpenCompanyAttributes(string companyId, byte[] sealedAttributes) => _keys.Open(CompanyContext(companyId), sealedAttributes);

    /// <summary>
    /// Seals a segment's search query (JSON), bound to the segment: workspace configuration, but a
    /// filter's value may name a person (an email), so it is never stored in clear.
    /// </summary>
    public byte[] SealSegmentQuery(string segmentId, string json) => _keys.Seal(SegmentContext(segmentId), json);

    public string OpenSegmentQuery(string segmentId, byte[] sealedQuery) => _keys.Open(SegmentContext(segmentId), sealedQuery);

    private FieldContext SegmentContext(string segmentId) => new(_workspaceId, _region.Code, "segment", segmentId, "query");

    private FieldContext CompanyContext(string companyId) => new(_workspaceId, _region.Code, "company", companyId, "custom_attributes");

    private FieldContext LegalHoldContext(string holdId) => new(_workspaceId, _region.Code, "legal_hold", holdId, "reason");

    private FieldContext PrivacyRequestContext(string requestId, string field) => new(_workspaceId, _region.Code, "privacy_request", requestId, field);

    private FieldContext MessengerSecretContext(string secretId) => new(_workspaceId, _region.Code, "messenger_secret", secretId, "secret");

    private FieldContext ActivityContext(long sequence) =>
        new(_workspaceId, _region.Code, "activity_log", sequence.ToString(System.Globalization.CultureInfo.InvariantCulture), "entry");

    private byte[] Seal(string teammateId, string field, string value) => _keys.Seal(Context(teammateId, field), value);

    private string Open(string teammateId, string field, byte[] sealedValue) => _keys.Open(Context(teammateId, field), sealedValue);

    private FieldContext Context(string teammateId, string field) => new(_workspaceId, _region.Code, Entity, teammateId, field);
}
