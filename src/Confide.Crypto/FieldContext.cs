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
    private static ReadOnlySpan<byte> Label => "confide.field.v1"u8;

    /// <summary>Bytes <see cref="WriteAssociatedData"/> writes.</summary>
    internal int AssociatedDataLength =>
        Label.Length + 16 + (5 * 4)
        + Encoding.UTF8.GetByteCount(WorkspaceId) + Encoding.UTF8.GetByteCount(Region) + Encoding.UTF8.GetByteCount(Entity)
        + Encoding.UTF8.GetByteCount(RecordId) + Encoding.UTF8.GetByteCount(Field);

    /// <summary>Label, key id, then each part length-prefixed, so no two different contexts encode to the same bytes.</summary>
    internal void WriteAssociatedData(Guid keyId, Span<byte> destination)
    {
        Label.CopyTo(destination);
        var span = destination[Label.Length..];
        keyId.TryWriteBytes(span);
        span = span[16..];
        span = WritePart(span, WorkspaceId);
        span = WritePart(span, Region);
        span = WritePart(span, Entity);
        span = WritePart(span, RecordId);
        WritePart(span, Field);
    }

    internal byte[] ToAssociatedData(Guid keyId)
    {
        var buffer = new byte[AssociatedDataLength];
        WriteAssociatedData(keyId, buffer);
        return buffer;
    }

    private static Span<byte> WritePart(Span<byte> span, string part)
    {
        var length = Encoding.UTF8.GetBytes(part, span[4..]);
        BinaryPrimitives.WriteInt32BigEndian(span, length);
        return span[(4 + length)..];
    }
}
