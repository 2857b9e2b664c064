using System.Globalization;
using Net.Pkcs11Interop.Common;
using Net.Pkcs11Interop.HighLevelAPI;

namespace Confide.Crypto;

/// <summary>
/// One master key version on a PKCS#11 token: an AES-256 secret key object labelled
/// <c>&lt;prefix&gt;#&lt;serial&gt;</c> whose <c>CKA_ID</c> is the version's id.
/// </summary>
internal sealed record Pkcs11KeyVersion(Guid Id, int Serial, IObjectHandle Handle)
{
    /// <summary>Every version under <paramref name="labelPrefix"/>, newest first (highest serial, then highest id).</summary>
    public static IReadOnlyList<Pkcs11KeyVersion> FindAll(ISession session, string labelPrefix)
    {
        var attributes = session.Factories.ObjectAttributeFactory;
        List<IObjectAttribute> template =
        [
            attributes.Create(CKA.CKA_CLASS, CKO.CKO_SECRET_KEY),
            attributes.Create(CKA.CKA_KEY_TYPE, CKK.CKK_AES),
            attributes.Create(CKA.CKA_TOKEN, true),
        ];
        var found = new List<Pkcs11KeyVersion>();
        try
        {
            foreach (var handle in session.FindAllObjects(template))
            {
                List<IObjectAttribute> values;
                try
                {
                    values = session.GetAttributeValue(handle, [CKA.CKA_LABEL, CKA.CKA_ID]);
                }
                catch (Pkcs11Exception ex) when (ex.RV == CKR.CKR_OBJECT_HANDLE_INVALID)
                {
                    continue; // destroyed by another process since the search
                }

                var serial = ParseSerial(values[0].GetValueAsString(), labelPrefix);
                var id = values[1].GetValueAsByteArray();
                Dispose(values);
                if (serial > 0 && id is { Length: 16 })
                {
                    found.Add(new Pkcs11KeyVersion(new Guid(id), serial, handle));
                }
            }
        }
        finally
        {
            Dispose(template);
        }

        return [.. found.OrderByDescending(v => v.Serial).ThenByDescending(v => v.Id)];
    }

    /// <summary>Generates the key inside the token: AES-256, on the token, private, sensitive, never extractable, usable only to encrypt and decrypt.</summary>
    public static IObjectHandle Generate(ISession session, string label, Guid id)
    {
        var factories = session.Factories;
        var attributes = factories.ObjectAttributeFactory;
        List<IObjectAttribute> template =
        [
            attributes.Create(CKA.CKA_CLASS, CKO.CKO_SECRET_KEY),
            attributes.Create(CKA.CKA_KEY_TYPE, CKK.CKK_AES),
            attributes.Create(CKA.CKA_VALUE_LEN, 32UL),
            attributes.Create(CKA.CKA_TOKEN, true),
            attributes.Create(CKA.CKA_PRIVATE, true),
            attributes.Create(CKA.CKA_SENSITIVE, true),
            attributes.Create(CKA.CKA_EXTRACTABLE, false),
            attributes.Create(CKA.CKA_MODIFIABLE, false),
            attributes.Create(CKA.CKA_ENCRYPT, true),
            attributes.Create(CKA.CKA_DECRYPT, true),
            attributes.Create(CKA.CKA_WRAP, false),
            attributes.Create(CKA.CKA_UNWRAP, false),
            attributes.Create(CKA.CKA_SIGN, false),
            attributes.Create(CKA.CKA_VERIFY, false),
            attributes.Create(CKA.CKA_DERIVE, false),
            attributes.Create(CKA.CKA_LABEL, label),
            attributes.Create(CKA.CKA_ID, id.ToByteArray()),
        ];
        try
        {
            using var mechanism = factories.MechanismFactory.Create(CKM.CKM_AES_KEY_GEN);
            return session.GenerateKey(mechanism, template);
        }
        finally
        {
            Dispose(template);
        }
    }

    private static int ParseSerial(string? label, string labelPrefix) =>
        label is not null && label.Length > labelPrefix.Length + 1 && label.StartsWith(labelPrefix, StringComparison.Ordinal) && label[labelPrefix.Length] == '#'
        && int.TryParse(label.AsSpan(labelPrefix.Length + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var serial)
            ? serial
            : 0;

    private static void Dispose(List<IObjectAttribute> attributes)
    {
        foreach (var attribute in attributes)
        {
            attribute.Dispose();
        }
    }
}
