using System.Buffers.Binary;
using System.Text;

namespace Confide.Crypto;

/// <summary>
/// Where a ciphertext belongs. It is bound into the AES-GCM authentication (AAD) together with
/// the key id, so a ciphertext copied to another workspace, region, entity, record or field, or
/// presented under another key version, fails to decrypt.
/// </summary>
public readonly record struct FieldContext(string WorkspaceId, string Region, string Entity, string RecordId, string Field)
{
    private static readonly byte[] Label = "confide.field.v1"u8.ToArray();

    /// <summary>Length-prefixed, so no two different contexts encode to the same bytes.</summary>
    internal byte[] ToAssociatedData(Guid keyId)
    {
        var parts = new[] { WorkspaceId, Region, Entity, RecordId, Field };
        var size = Label.Length + 16 + parts.Sum(p => 4 + Encoding.UTF8.GetByteCount(p));
        var buffer = new byte[size];
        var span = buffer.AsSpan();
        Label.CopyTo(span);
        span = span[Label.Length..];
        keyId.TryWriteBytes(span);
        span = span[16..];
        foreach (var part in parts)
        {
            var length = Encoding.UTF8.GetBytes(part, span[4..]);
            BinaryPrimitives.WriteInt32BigEndian(span, length);
            span = span[(4 + length)..];
        }

        return buffer;
    }
}
