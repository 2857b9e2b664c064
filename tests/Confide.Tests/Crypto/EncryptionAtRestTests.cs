using System.Net;
using System.Net.Http.Json;
using System.Text;
using Confide.Platform;
using Confide.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace Confide.Tests.Crypto;

/// <summary>
/// Personal data written through the API reaches storage only encrypted: raw database files
/// (with their -wal and -shm) and a pg_dump hold no trace of it in any encoding, and stored
/// ciphertext that is moved, altered or presented under another key is refused.
/// </summary>
public sealed class EncryptionAtRestTests(Servers servers)
{
    [Theory, MemberData(nameof(Providers.All), MemberType = typeof(Providers))]
    public async Task PersonalDataWrittenThroughTheApi_NeverAppearsInStorage(string provider)
    {
        var server = await servers.GetAsync(provider);
        var workspace = await server.CreateWorkspaceAsync(Region.Eu);
        using var client = workspace.Client();
        var markers = new CanaryMarkers();

        var contact = await (await client.PostJsonAsync("contacts", new
        {
            email = $"{markers["email"]}@example.com",
            name = markers["name"],
            phone = markers["phone"],
            external_id = markers["external_id"],
            custom_attributes = new { plan = markers["custom_attribute"] },
        })).JsonAsync();
        var contactId = contact.Str("id");
        await (await client.PutAsJsonAsync($"contacts/{contactId}", new { name = markers["renamed"] })).JsonAsync();
        var conversationId = (await (await client.PostJsonAsync("conversations", new
        {
            from = new { type = "user", id = contactId },
            subject = markers["subject"],
            body = markers["message"],
        })).JsonAsync()).Str("conversation_id");
        await (await client.PostJsonAsync($"conversations/{conversationId}/reply", new { type = "admin", admin_id = workspace.OwnerId, message_type = "comment", body = markers["admin_reply"] })).JsonAsync();
        await (await client.PostJsonAsync($"conversations/{conversationId}/reply", new { type = "admin", admin_id = workspace.OwnerId, message_type = "note", body = markers["internal_note"] })).JsonAsync();
        await (await client.PostJsonAsync($"conversations/{conversationId}/reply", new { type = "user", intercom_user_id = contactId, body = markers["customer_reply"] })).JsonAsync();
        await (await client.PostJsonAsync($"contacts/{contactId}/notes", new { body = markers["contact_note"], admin_id = workspace.OwnerId })).JsonAsync();
        // A positive control: tag names are workspace settings, stored in clear, so the scan must find this one.
        var control = $"control{Guid.NewGuid():N}";
        await (await client.PostJsonAsync("tags", new { name = control })).JsonAsync();

        // Everything reads back in clear through the API.
        var read = (await (await client.GetAsync($"contacts/{contactId}")).JsonAsync()).ToString();
        var thread = (await (await client.GetAsync($"conversations/{conversationId}")).JsonAsync()).ToString();
        foreach (var name in new[] { "email", "renamed", "phone", "external_id", "custom_attribute" })
        {
            Assert.Contains(markers[name], read, StringComparison.Ordinal);
        }

        foreach (var name in new[] { "subject", "message", "admin_reply", "internal_note", "customer_reply" })
        {
            Assert.Contains(markers[name], thread, StringComparison.Ordinal);
        }

        var storage = await RawStorage.ReadAsync(server);
        Assert.True(storage.Contains(control), "The scan found not even the control.");
        Assert.Contains(storage.Sources, s => s.EndsWith("-wal", StringComparison.Ordinal));
        var found = storage.Find(markers);
        Assert.True(found.Count == 0, "Personal data found in storage: " + string.Join("; ", found));
    }

    [Theory, MemberData(nameof(Providers.All), MemberType = typeof(Providers))]
    public async Task CiphertextMovedAlteredOrUnderAnotherKey_IsAnIntegrityError(string provider)
    {
        var server = await servers.GetAsync(provider);
        var workspace = await server.CreateWorkspaceAsync(Region.Eu);
        using var client = workspace.Client();
        var alice = (await (await client.PostJsonAsync("contacts", new { email = "alice@example.com", name = "Alice" })).JsonAsync()).Str("id");
        var bob = (await (await client.PostJsonAsync("contacts", new { email = "bob@example.com", name = "Bob" })).JsonAsync()).Str("id");
        var conversation = (await (await client.PostJsonAsync("conversations", new { from = new { type = "user", id = alice }, body = "first" })).JsonAsync()).Str("conversation_id");
        await (await client.PostJsonAsync($"conversations/{conversation}/reply", new { type = "admin", admin_id = workspace.OwnerId, body = "second" })).JsonAsync();

        var cell = server.Cell(Region.Eu);
        byte[] aliceEmail, aliceName, bobEmail, firstBody, secondBody;
        await using (var db = cell.CreateReadContext())
        {
            var contacts = await db.Contacts.Where(c => c.Id == alice || c.Id == bob).ToDictionaryAsync(c => c.Id);
            (aliceEmail, aliceName, bobEmail) = (contacts[alice].EncryptedEmail!, contacts[alice].EncryptedName!, contacts[bob].EncryptedEmail!);
            var parts = await db.ConversationParts.Where(p => p.ConversationId == conversation).OrderBy(p => p.Sequence).ToListAsync();
            (firstBody, secondBody) = (parts[0].EncryptedBody!, parts[1].EncryptedBody!);
        }

        async Task SetContactAsync(string id, byte[]? email, byte[]? name)
        {
            await using var db = cell.CreateTrackingContext();
            await db.Contacts.Where(c => c.Id == id).ExecuteUpdateAsync(s => s.SetProperty(c => c.EncryptedEmail, email).SetProperty(c => c.EncryptedName, name));
        }

        async Task SetSecondBodyAsync(byte[] body)
        {
            await using var db = cell.CreateTrackingContext();
            await db.ConversationParts.Where(p => p.ConversationId == conversation && p.Sequence == 2).ExecuteUpdateAsync(s => s.SetProperty(p => p.EncryptedBody, body));
        }

        // Another field of the same row: the name's ciphertext presented as the email.
        await SetContactAsync(alice, aliceName, aliceName);
        await ExpectIntegrityErrorAsync(client.GetAsync($"contacts/{alice}"));
        // Another contact's row (and so another contact's key).
        await SetContactAsync(alice, bobEmail, aliceName);
        await ExpectIntegrityErrorAsync(client.GetAsync($"contacts/{alice}"));
        await SetContactAsync(alice, aliceEmail, aliceName);
        await (await client.GetAsync($"contacts/{alice}")).JsonAsync();

        // Another row of the same table, same contact key: the first message's body in the second part.
        await SetSecondBodyAsync(firstBody);
        await ExpectIntegrityErrorAsync(client.GetAsync($"conversations/{conversation}"));
        // One flipped bit in the ciphertext, then in the tag.
        await SetSecondBodyAsync(Flip(secondBody, 40));
        await ExpectIntegrityErrorAsync(client.GetAsync($"conversations/{conversation}"));
        await SetSecondBodyAsync(Flip(secondBody, secondBody.Length - 1));
        await ExpectIntegrityErrorAsync(client.GetAsync($"conversations/{conversation}"));
        // A key version the contact does not have (the key id in the envelope changed).
        await SetSecondBodyAsync(Flip(secondBody, 3));
        await ExpectIntegrityErrorAsync(client.GetAsync($"conversations/{conversation}"));
        // A truncated envelope.
        await SetSecondBodyAsync(secondBody[..20]);
        await ExpectIntegrityErrorAsync(client.GetAsync($"conversations/{conversation}"));

        await SetSecondBodyAsync(secondBody);
        var restored = await (await client.GetAsync($"conversations/{conversation}")).JsonAsync();
        Assert.Equal("second", restored.GetProperty("conversation_parts").GetProperty("conversation_parts")[0].Str("body"));
    }

    private static async Task ExpectIntegrityErrorAsync(Task<HttpResponseMessage> request)
    {
        var json = await (await request).ErrorAsync(HttpStatusCode.InternalServerError, "integrity_error");
        Assert.DoesNotContain("alice", json.ToString(), StringComparison.OrdinalIgnoreCase);
    }

    private static byte[] Flip(byte[] value, int index)
    {
        var copy = value.ToArray();
        copy[index] ^= 0x01;
        return copy;
    }

    internal static async Task<byte[]> ReadSharedAsync(string path)
    {
        await using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        using var buffer = new MemoryStream();
        await stream.CopyToAsync(buffer);
        return buffer.ToArray();
    }
}
