using Confide.Crypto;
using Confide.Data;
using Confide.Data.Model;
using Confide.Messaging;
using Confide.Platform;
using Confide.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Confide.Tests.Crypto;

/// <summary>
/// Rotating a workspace's data key re-wraps its contact keys; rotating contact keys re-encrypts
/// the contacts' data. Afterwards only the new versions exist, everything reads back through
/// the API and through freshly built key rings (no cache), and an interrupted rotation finishes
/// when run again.
/// </summary>
public sealed class DataKeyRotationTests(Servers servers)
{
    private static readonly TimeSpan ShortGrace = TimeSpan.FromMilliseconds(50);

    [Theory, MemberData(nameof(Providers.WithKeyStores), MemberType = typeof(Providers))]
    public async Task WorkspaceDataKeyRotation_RewrapsEveryContactKey_AndDestroysTheOldVersion(string provider)
    {
        var server = await servers.GetAsync(provider);
        var (workspace, contacts) = await WorkspaceWithContactsAsync(server, 3);
        var cell = server.Cell(Region.Eu);
        var oldKey = await DataKeysAsync(server, workspace.Id);

        var rotation = new WorkspaceDataKeyRotation(server.Services.GetRequiredService<WorkspaceKeyRing>(), server.Services.GetRequiredService<ContactKeyRing>(), TimeProvider.System) { GracePeriod = ShortGrace };
        var result = await rotation.RunAsync(cell, workspace.Id, progress: null, CancellationToken.None);

        Assert.False(result.Resumed);
        Assert.Equal(3, result.Rewrapped);
        var newKey = Assert.Single(await DataKeysAsync(server, workspace.Id));
        Assert.NotEqual(Assert.Single(oldKey).Id, newKey.Id);
        Assert.Equal(2, newKey.Version);
        var store = await server.Services.GetRequiredService<ContactKeyRing>().StoreAsync(Region.Eu);
        Assert.All(await store.ListAsync(workspace.Id, CancellationToken.None), k => Assert.Equal(newKey.Id, FieldCipher.KeyIdOf(k.WrappedKey)));
        await AssertReadableAsync(server, workspace, contacts);
        await AssertReadableWithoutCachesAsync(server, workspace, contacts);
    }

    [Theory, MemberData(nameof(Providers.WithKeyStores), MemberType = typeof(Providers))]
    public async Task ContactKeyRotation_ReencryptsEverySealedValue_AndDestroysTheOldVersion(string provider)
    {
        var server = await servers.GetAsync(provider);
        var (workspace, contacts) = await WorkspaceWithContactsAsync(server, 2);
        var keys = server.Services.GetRequiredService<ContactKeyRing>();
        var store = await keys.StoreAsync(Region.Eu);
        var oldIds = new List<Guid>();
        foreach (var contact in contacts)
        {
            oldIds.Add(Assert.Single(await store.GetAsync(workspace.Id, contact.Id, CancellationToken.None)).KeyId);
        }

        var rotation = new ContactKeyRotation(keys, TimeProvider.System) { GracePeriod = ShortGrace, BatchSize = 2 };
        var result = await rotation.RunAsync(server.Cell(Region.Eu), workspace.Id, contactId: null, progress: null, CancellationToken.None);

        Assert.Equal(2, result.Contacts);
        Assert.Equal(2, result.VersionsDestroyed);
        // Per contact: email, name, custom attributes, title, 3 parts, 1 note.
        Assert.Equal(2 * 8, result.ValuesResealed);
        foreach (var contact in contacts)
        {
            var current = Assert.Single(await store.GetAsync(workspace.Id, contact.Id, CancellationToken.None)).KeyId;
            Assert.DoesNotContain(current, oldIds);
            await using var db = server.Cell(Region.Eu).CreateReadContext();
            var sealedValues = new List<byte[]?>();
            var row = await db.Contacts.SingleAsync(c => c.Id == contact.Id);
            sealedValues.AddRange([row.EncryptedEmail, row.EncryptedName, row.EncryptedCustomAttributes]);
            sealedValues.AddRange(await db.Conversations.Where(c => c.ContactId == contact.Id).Select(c => c.EncryptedTitle).ToListAsync());
            sealedValues.AddRange(await db.ConversationParts.Where(p => p.ConversationId == contact.ConversationId).Select(p => p.EncryptedBody).ToListAsync());
            sealedValues.AddRange(await db.Notes.Where(n => n.ContactId == contact.Id).Select(n => (byte[]?)n.EncryptedBody).ToListAsync());
            Assert.Equal(8, sealedValues.Count);
            Assert.All(sealedValues, v => Assert.Equal(current, FieldCipher.KeyIdOf(v!)));
        }

        await AssertReadableAsync(server, workspace, contacts);
        await AssertReadableWithoutCachesAsync(server, workspace, contacts);
    }

    [Fact]
    public async Task InterruptedRotations_FinishWhenRunAgain()
    {
        var server = await servers.GetAsync(Providers.Sqlite);
        var (workspace, contacts) = await WorkspaceWithContactsAsync(server, 2);
        var cell = server.Cell(Region.Eu);
        var workspaceKeys = server.Services.GetRequiredService<WorkspaceKeyRing>();
        var contactKeys = server.Services.GetRequiredService<ContactKeyRing>();

        // A crash right after the new versions were stored, before anything moved to them.
        var next = await workspaceKeys.NewDataKeyAsync(Region.Eu, workspace.Id, CancellationToken.None, version: 2);
        await cell.Writer.WriteAsync((db, _) => { db.WorkspaceKeys.Add(next); return Task.CompletedTask; });
        await contactKeys.AddVersionAsync(cell, workspace.Id, contacts[0].Id, CancellationToken.None);

        var workspaceResult = await new WorkspaceDataKeyRotation(workspaceKeys, contactKeys, TimeProvider.System) { GracePeriod = ShortGrace }
            .RunAsync(cell, workspace.Id, null, CancellationToken.None);
        Assert.True(workspaceResult.Resumed);
        Assert.Equal(next.Id, workspaceResult.NewKeyId);
        Assert.Equal(next.Id, Assert.Single(await DataKeysAsync(server, workspace.Id)).Id);

        var contactResult = await new ContactKeyRotation(contactKeys, TimeProvider.System) { GracePeriod = ShortGrace }
            .RunAsync(cell, workspace.Id, contacts[0].Id, null, CancellationToken.None);
        Assert.Equal(1, contactResult.Resumed);
        Assert.Single(await (await contactKeys.StoreAsync(Region.Eu)).GetAsync(workspace.Id, contacts[0].Id, CancellationToken.None));
        await AssertReadableAsync(server, workspace, contacts);
        await AssertReadableWithoutCachesAsync(server, workspace, contacts);
    }

    [Fact]
    public async Task AContactKeyNearItsUseLimit_IsReplacedByANewVersion_AndOlderValuesStillRead()
    {
        var server = await servers.GetAsync(Providers.Sqlite);
        var (workspace, contacts) = await WorkspaceWithContactsAsync(server, 1);
        var contact = contacts[0];
        var keys = server.Services.GetRequiredService<ContactKeyRing>();
        var cell = server.Cell(Region.Eu);
        var cipher = await keys.ForContactAsync(cell, workspace.Id, contact.Id, CancellationToken.None);
        var worn = cipher.CurrentKeyId;
        // As if this key version had sealed almost 2^24 values.
        var key = cipher.SealingKey;
        typeof(DataKey).GetField("_encryptions", System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Instance)!.SetValue(key, DataKey.MaxEncryptions - 10);

        using var client = workspace.Client();
        var thread = await (await client.PostJsonAsync($"conversations/{contact.ConversationId}/reply", new { type = "admin", admin_id = workspace.OwnerId, body = "After renewal" })).JsonAsync();

        var versions = await (await keys.StoreAsync(Region.Eu)).GetAsync(workspace.Id, contact.Id, CancellationToken.None);
        Assert.Equal(2, versions.Count);
        Assert.Equal(worn, versions[1].KeyId);
        var parts = thread.GetProperty("conversation_parts").GetProperty("conversation_parts");
        Assert.Equal("Thanks 0", parts[1].Str("body"));
        Assert.Equal("After renewal", parts[2].Str("body"));
        await using var db = cell.CreateReadContext();
        var newest = await db.ConversationParts.Where(p => p.ConversationId == contact.ConversationId).OrderByDescending(p => p.Sequence).FirstAsync();
        Assert.Equal(versions[0].KeyId, FieldCipher.KeyIdOf(newest.EncryptedBody!));
        await AssertReadableWithoutCachesAsync(server, workspace, contacts);
    }

    [Fact]
    public async Task ContactKeyUseCounts_AreReservedInTheKeyStore_SoTheyOutliveTheProcess()
    {
        var server = await servers.GetAsync(Providers.Sqlite);
        var (workspace, contacts) = await WorkspaceWithContactsAsync(server, 1);
        var store = await server.Services.GetRequiredService<ContactKeyRing>().StoreAsync(Region.Eu);

        // Seven values were sealed (profile, title, parts, note): one block is reserved, durably.
        var stored = Assert.Single(await store.GetAsync(workspace.Id, contacts[0].Id, CancellationToken.None));
        Assert.Equal(4096, stored.UsesReserved);

        // A process loading the key afterwards starts counting from everything reserved so far.
        using var workspaceKeys = new WorkspaceKeyRing(server.Services.GetRequiredService<MasterKeys>(), TimeProvider.System);
        using var fresh = new ContactKeyRing(workspaceKeys, server.Services.GetRequiredService<IOptions<ConfideOptions>>(), TimeProvider.System);
        var cipher = await fresh.ForContactAsync(server.Cell(Region.Eu), workspace.Id, contacts[0].Id, CancellationToken.None);
        var key = cipher.SealingKey;
        Assert.Equal(4096, key.Encryptions);
        cipher.Seal("contact", contacts[0].Id, "name", "x");
        Assert.Equal(8192, Assert.Single(await store.GetAsync(workspace.Id, contacts[0].Id, CancellationToken.None)).UsesReserved);
    }

    [Fact]
    public async Task AWorkspaceDataKeyNearItsUseLimit_GetsANewVersionInTheBackground()
    {
        var server = await servers.GetAsync(Providers.Sqlite);
        var (workspace, contacts) = await WorkspaceWithContactsAsync(server, 1);
        var ring = server.Services.GetRequiredService<WorkspaceKeyRing>();
        var worn = await ring.DataKeyAsync(server.Cell(Region.Eu), workspace.Id, CancellationToken.None);
        typeof(DataKey).GetField("_encryptions", System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Instance)!.SetValue(worn, DataKey.MaxEncryptions - 10);

        // The next contact is still created (under the worn version, within its margin) and the new version follows.
        using var client = workspace.Client();
        await (await client.PostJsonAsync("contacts", new { email = "after-wear@example.com" })).JsonAsync();
        await Poll.UntilAsync(() => DataKeysAsync(server, workspace.Id), keys => keys.Count >= 2, TimeSpan.FromSeconds(60), "the new data-key version");

        var versions = (await DataKeysAsync(server, workspace.Id)).OrderBy(k => k.Version).ToList();
        Assert.Equal([worn.Id], versions.Take(1).Select(k => k.Id));
        Assert.Equal(2, versions.Count);
        // Once the cached current version is older than its freshness limit, the new one is used.
        await Poll.UntilAsync(
            async () => (await ring.DataKeyAsync(server.Cell(Region.Eu), workspace.Id, CancellationToken.None)).Id, id => id == versions[1].Id,
            WorkspaceKeyRing.CurrentVersionFreshness + TimeSpan.FromSeconds(60), "the new data-key version to become current");
        await AssertReadableWithoutCachesAsync(server, workspace, contacts);
    }

    [Theory, MemberData(nameof(Providers.WithKeyStores), MemberType = typeof(Providers))]
    public async Task AValueSealedUnderARetiredContactKey_IsRefused_NotStored(string provider)
    {
        var server = await servers.GetAsync(provider);
        var (workspace, contacts) = await WorkspaceWithContactsAsync(server, 1);
        var cell = server.Cell(Region.Eu);
        var id = contacts[0].Id;
        // A process whose cached keys predate the rotation still seals under the old version.
        var stale = await server.Services.GetRequiredService<ContactKeyRing>().ForContactAsync(cell, workspace.Id, id, CancellationToken.None);

        await new ContactKeyRotation(server.Services.GetRequiredService<ContactKeyRing>(), TimeProvider.System) { GracePeriod = ShortGrace }
            .RunAsync(cell, workspace.Id, id, progress: null, CancellationToken.None);
        var write = cell.Writer.WriteAsync(async (db, ct) =>
        {
            var row = await db.Contacts.AsTracking().SingleAsync(c => c.Id == id, ct);
            row.EncryptedName = stale.Seal("contact", id, "name", "Late name");
        });

        var refused = await Assert.ThrowsAsync<ConfideException>(() => write);
        Assert.Equal("key_rotation_in_progress", refused.Error.Code);
        Assert.Equal(System.Net.HttpStatusCode.ServiceUnavailable, refused.Error.Status);
        await AssertReadableAsync(server, workspace, contacts);
        await AssertReadableWithoutCachesAsync(server, workspace, contacts);
    }

    [Theory, MemberData(nameof(Providers.WithKeyStores), MemberType = typeof(Providers))]
    public async Task AValueSealedUnderTheOldContactKey_CommittingLateInAnotherProcess_IsStillResealed(string provider)
    {
        var server = await servers.GetAsync(provider);
        var (workspace, contacts) = await WorkspaceWithContactsAsync(server, 1);
        var cell = server.Cell(Region.Eu);
        var id = contacts[0].Id;
        var keys = server.Services.GetRequiredService<ContactKeyRing>();
        var stale = await keys.ForContactAsync(cell, workspace.Id, id, CancellationToken.None);
        await using var straggler = new CellDatabase(Region.Eu, cell.Provider, cell.ConnectionString, TimeProvider.System);
        var entered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        // Another process seals a new name under the current (soon old) version, passes the
        // fence, and is slow to commit: the race a grace period alone loses.
        var slowWrite = straggler.Writer.WriteAsync(async (db, ct) =>
        {
            var row = await db.Contacts.AsTracking().SingleAsync(c => c.Id == id, ct);
            row.EncryptedName = stale.Seal("contact", id, "name", "Late name");
            await SealedKeyFence.CheckAsync(db, ct);
            entered.SetResult();
            await release.Task;
        });
        await entered.Task;

        var rotation = new ContactKeyRotation(keys, TimeProvider.System) { GracePeriod = ShortGrace }
            .RunAsync(cell, workspace.Id, id, progress: null, CancellationToken.None);
        await Task.Delay(1500, TestContext.Current.CancellationToken);
        Assert.False(rotation.IsCompleted, "the rotation must not re-seal and destroy the old version while a unit past the fence may still store a value under it");
        release.SetResult();
        await slowWrite;
        var result = await rotation;

        Assert.Equal(1, result.VersionsDestroyed);
        using var workspaceKeys = new WorkspaceKeyRing(server.Services.GetRequiredService<MasterKeys>(), TimeProvider.System);
        using var fresh = new ContactKeyRing(workspaceKeys, server.Services.GetRequiredService<IOptions<ConfideOptions>>(), TimeProvider.System);
        var cipher = await fresh.ForContactAsync(cell, workspace.Id, id, CancellationToken.None);
        await using var read = cell.CreateReadContext();
        var name = (await read.Contacts.SingleAsync(c => c.Id == id)).EncryptedName;
        Assert.Equal(cipher.CurrentKeyId, FieldCipher.KeyIdOf(name!));
        Assert.Equal("Late name", cipher.Open("contact", id, "name", name));
    }

    [Theory, MemberData(nameof(Providers.WithKeyStores), MemberType = typeof(Providers))]
    public async Task AContactKeyWrappedUnderARetiredDataKey_IsRefusedByTheStore_AndWrappedAgainUnderTheCurrentOne(string provider)
    {
        var server = await servers.GetAsync(provider);
        var (workspace, contacts) = await WorkspaceWithContactsAsync(server, 2);
        var cell = server.Cell(Region.Eu);
        // Another process: its rings took the current data key before the rotation and trust it for a few seconds.
        using var staleWorkspaceKeys = new WorkspaceKeyRing(server.Services.GetRequiredService<MasterKeys>(), TimeProvider.System);
        using var staleContactKeys = new ContactKeyRing(staleWorkspaceKeys, server.Services.GetRequiredService<IOptions<ConfideOptions>>(), TimeProvider.System);
        var oldDataKey = await staleWorkspaceKeys.DataKeyAsync(cell, workspace.Id, CancellationToken.None);

        var result = await new WorkspaceDataKeyRotation(server.Services.GetRequiredService<WorkspaceKeyRing>(), server.Services.GetRequiredService<ContactKeyRing>(), TimeProvider.System) { GracePeriod = ShortGrace }
            .RunAsync(cell, workspace.Id, progress: null, CancellationToken.None);
        Assert.Equal([oldDataKey.Id], result.OldKeyIds);

        // Stored directly, a key wrapped under the retired version is refused.
        var store = await staleContactKeys.StoreAsync(Region.Eu);
        using var lateKey = DataKey.Generate();
        var wrappedUnderOld = FieldCipher.Encrypt(oldDataKey, new FieldContext(workspace.Id, "eu", "contact_key", contacts[0].Id, "key"), lateKey.Material);
        Assert.False(await store.AddAsync(workspace.Id, contacts[0].Id, lateKey.Id, wrappedUnderOld, DateTimeOffset.UtcNow, CancellationToken.None));

        // Through the ring, the refusal makes it read the current version and wrap again.
        await staleContactKeys.AddVersionAsync(cell, workspace.Id, contacts[1].Id, CancellationToken.None);
        Assert.All(await store.ListAsync(workspace.Id, CancellationToken.None), k => Assert.Equal(result.NewKeyId, FieldCipher.KeyIdOf(k.WrappedKey)));
        Assert.Equal(2, (await store.GetAsync(workspace.Id, contacts[1].Id, CancellationToken.None)).Count);
        await AssertReadableAsync(server, workspace, contacts);
        await AssertReadableWithoutCachesAsync(server, workspace, contacts);
    }

    private sealed record SeededContact(string Id, string Email, string ConversationId);

    private static async Task<(TestWorkspace, List<SeededContact>)> WorkspaceWithContactsAsync(TestServer server, int count)
    {
        var workspace = await server.CreateWorkspaceAsync(Region.Eu);
        using var client = workspace.Client();
        var contacts = new List<SeededContact>();
        for (var i = 0; i < count; i++)
        {
            var email = $"rotate-{i}-{Guid.NewGuid():N}@example.com";
            var id = (await (await client.PostJsonAsync("contacts", new { email, name = $"Person {i}", custom_attributes = new { plan = "pro" } })).JsonAsync()).Str("id");
            var conversation = (await (await client.PostJsonAsync("conversations", new { from = new { type = "user", id }, subject = $"Subject {i}", body = $"Hello {i}" })).JsonAsync()).Str("conversation_id");
            await (await client.PostJsonAsync($"conversations/{conversation}/reply", new { type = "admin", admin_id = workspace.OwnerId, body = $"Reply {i}" })).JsonAsync();
            await (await client.PostJsonAsync($"conversations/{conversation}/reply", new { type = "user", intercom_user_id = id, body = $"Thanks {i}" })).JsonAsync();
            await (await client.PostJsonAsync($"contacts/{id}/notes", new { body = $"Note {i}", admin_id = workspace.OwnerId })).JsonAsync();
            contacts.Add(new SeededContact(id, email, conversation));
        }

        return (workspace, contacts);
    }

    private static async Task<List<WorkspaceKey>> DataKeysAsync(TestServer server, string workspaceId)
    {
        await using var db = server.Cell(Region.Eu).CreateReadContext();
        return await db.WorkspaceKeys.Where(k => k.WorkspaceId == workspaceId && k.Purpose == WorkspaceKeyPurposes.Data).ToListAsync();
    }

    private static async Task AssertReadableAsync(TestServer server, TestWorkspace workspace, List<SeededContact> contacts)
    {
        using var client = workspace.Client();
        foreach (var (contact, i) in contacts.Select((c, i) => (c, i)))
        {
            Assert.Equal(contact.Email, (await (await client.GetAsync($"contacts/{contact.Id}")).JsonAsync()).Str("email"));
            var thread = await (await client.GetAsync($"conversations/{contact.ConversationId}")).JsonAsync();
            Assert.Equal($"Subject {i}", thread.Str("title"));
            Assert.Equal($"Thanks {i}", thread.GetProperty("conversation_parts").GetProperty("conversation_parts")[1].Str("body"));
        }
    }

    /// <summary>Key rings built from scratch, as after a restart: nothing cached, every key unwrapped from storage.</summary>
    private static async Task AssertReadableWithoutCachesAsync(TestServer server, TestWorkspace workspace, List<SeededContact> contacts)
    {
        using var workspaceKeys = new WorkspaceKeyRing(server.Services.GetRequiredService<MasterKeys>(), TimeProvider.System);
        using var contactKeys = new ContactKeyRing(workspaceKeys, server.Services.GetRequiredService<IOptions<ConfideOptions>>(), TimeProvider.System);
        await using var db = server.Cell(Region.Eu).CreateReadContext();
        foreach (var contact in contacts)
        {
            var cipher = await contactKeys.ForContactAsync(server.Cell(Region.Eu), workspace.Id, contact.Id, CancellationToken.None);
            var row = await db.Contacts.SingleAsync(c => c.Id == contact.Id);
            Assert.Equal(contact.Email, cipher.Open("contact", contact.Id, "email", row.EncryptedEmail));
        }
    }
}
