using Confide.Crypto;
using Confide.Data;
using Confide.Data.Model;
using Confide.Platform;
using Confide.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Confide.Tests.Crypto;

/// <summary>The rotation orchestrator over a real cell database (SQLite and PostgreSQL).</summary>
public sealed class MasterKeyRotationTests
{
    [Theory, MemberData(nameof(Providers.All), MemberType = typeof(Providers))]
    public async Task Run_RewrapsEveryStoredKey_ThenRetiresTheOldVersion(string provider)
    {
        await using var region = await RotationRegion.StartAsync(provider);
        await region.SeedWorkspacesAsync(25);
        var before = await region.UnwrapAllAsync();
        var old = region.Master.KeyId;
        var reports = new List<MasterKeyRotation.Progress>();

        var result = await region.Rotation().RunAsync(region.Cell, new Synchronous(reports.Add), CancellationToken.None);

        Assert.False(result.Resumed);
        Assert.Equal([old], result.OldKeyIds);
        Assert.Equal([old], result.Retired);
        Assert.Equal(25, result.Rewrapped);
        Assert.Equal(new MasterKeyRotation.Progress(25, 25), reports[^1]);
        Assert.Equal(new MasterKeyRotation.Progress(0, 25), reports[0]);
        Assert.Equal([result.NewKeyId], region.Master.KeyIds);
        Assert.All(await region.MasterKeyIdsAsync(), id => Assert.Equal(result.NewKeyId, id));
        // Same data keys, now under the new version only, as a freshly started server reads them.
        Assert.Equal(before, await region.UnwrapAllAsync(fresh: true));
    }

    [Theory, MemberData(nameof(Providers.All), MemberType = typeof(Providers))]
    public async Task CrashAfterTheFirstBatch_RunningAgainContinuesWhereItStopped(string provider)
    {
        await using var region = await RotationRegion.StartAsync(provider);
        await region.SeedWorkspacesAsync(25);
        var before = await region.UnwrapAllAsync();
        var old = region.Master.KeyId;
        using var crash = new CancellationTokenSource();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => region.Rotation().RunAsync(
            region.Cell, new Synchronous(p => { if (p.Done > 0) crash.Cancel(); }), crash.Token));

        var halfway = await region.MasterKeyIdsAsync();
        Assert.Equal(10, halfway.Count(id => id != old));
        Assert.Equal(2, region.Master.KeyIds.Count);

        var result = await region.Rotation().RunAsync(region.Cell, null, CancellationToken.None);

        Assert.True(result.Resumed);
        Assert.Equal(region.Master.KeyId, result.NewKeyId);
        Assert.Equal(15, result.Rewrapped);
        Assert.Equal([old], result.Retired);
        Assert.Equal(before, await region.UnwrapAllAsync(fresh: true));
    }

    [Theory, MemberData(nameof(Providers.All), MemberType = typeof(Providers))]
    public async Task Retire_IsRefusedWhileAStoredKeyStillNamesTheVersion(string provider)
    {
        await using var region = await RotationRegion.StartAsync(provider);
        await region.SeedWorkspacesAsync(1);
        var old = region.Master.KeyId;
        await region.Master.RotateAsync();

        var refused = await Assert.ThrowsAsync<InvalidOperationException>(() => region.Rotation().RetireAsync(region.Cell, old, CancellationToken.None));

        Assert.Contains("still wraps 1 stored key", refused.Message, StringComparison.Ordinal);
        Assert.Contains(old, region.Master.KeyIds);
        Assert.Contains(old, KeyFileMasterKeyProvider.Open(Region.Eu, region.KeyPath, createIfMissing: false).KeyIds);
    }

    [Theory, MemberData(nameof(Providers.All), MemberType = typeof(Providers))]
    public async Task KeyWrappedUnderTheOldVersionDuringTheRotation_IsFoundAfterTheGracePeriod(string provider)
    {
        await using var region = await RotationRegion.StartAsync(provider);
        await region.SeedWorkspacesAsync(3);
        // A server that had not yet seen the rotation: it wrapped under the old version and
        // commits the row only once the rotation's first pass is over.
        var late = await region.NewWorkspaceAsync();
        var lateInserted = new TaskCompletionSource();
        var rotation = region.Rotation(TimeSpan.FromSeconds(1));

        var run = rotation.RunAsync(region.Cell, new Synchronous(p =>
        {
            if (p.Done == 3 && !lateInserted.Task.IsCompleted)
            {
                _ = Task.Run(async () => { await region.InsertAsync(late); lateInserted.SetResult(); });
            }
        }), CancellationToken.None);
        var result = await run;

        Assert.True(lateInserted.Task.IsCompleted);
        Assert.Equal(4, result.Rewrapped);
        Assert.Single(result.Retired);
        Assert.Equal(4, (await region.UnwrapAllAsync(fresh: true)).Count);
    }

    private sealed class Synchronous(Action<MasterKeyRotation.Progress> report) : IProgress<MasterKeyRotation.Progress>
    {
        public void Report(MasterKeyRotation.Progress value) => report(value);
    }

    /// <summary>One region's database (fresh) and key file (fresh), as the CLI opens them.</summary>
    [Theory, MemberData(nameof(Providers.All), MemberType = typeof(Providers))]
    public async Task KeyWrappedUnderTheOldVersion_CommittingLateInAnotherProcess_IsStillRewrapped(string provider)
    {
        await using var region = await RotationRegion.StartAsync(provider);
        await region.SeedWorkspacesAsync(3);
        var old = region.Master.KeyId;
        await using var straggler = region.AnotherProcessCell();
        var entered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        // Another process stores a new workspace: it enters the fence and wraps under the current
        // (soon old) version, then is slow to commit — the race a grace period alone loses.
        var slowWrite = straggler.Writer.WriteAsync(async (db, ct) =>
        {
            await MasterKeyFences.EnterAsync(db, Region.Eu, ct);
            var (workspace, key) = await region.NewWorkspaceAsync();
            Assert.Equal(old, key.MasterKeyId);
            entered.SetResult();
            await release.Task;
            db.Workspaces.Add(workspace);
            db.WorkspaceKeys.Add(key);
        });
        await entered.Task;

        var rotation = region.Rotation(grace: TimeSpan.FromMilliseconds(10)).RunAsync(region.Cell, null, CancellationToken.None);
        await Task.Delay(1500, TestContext.Current.CancellationToken);
        Assert.False(rotation.IsCompleted, "the rotation must not retire the old version while a unit inside the fence may still store a key under it");
        release.SetResult();
        await slowWrite;
        var result = await rotation;

        Assert.Equal([old], result.Retired);
        Assert.Equal(4, result.Rewrapped);
        Assert.All(await region.MasterKeyIdsAsync(), id => Assert.Equal(result.NewKeyId, id));
        Assert.Equal(4, (await region.UnwrapAllAsync(fresh: true)).Count);
    }

    [Theory, MemberData(nameof(Providers.All), MemberType = typeof(Providers))]
    public async Task KeyWrappedUnderAVersionBeingRetired_IsRefused_NotStored(string provider)
    {
        await using var region = await RotationRegion.StartAsync(provider);
        var current = region.Master.KeyId;
        // A process whose view of the key file is stale: the fence says its version is being retired.
        await MasterKeyFences.MarkRetiringAsync(region.Cell, [current], CancellationToken.None);

        var write = region.Cell.Writer.WriteAsync(async (db, ct) =>
        {
            var (workspace, key) = await MasterKeyFences.WrapInsideAsync(db, Region.Eu, region.NewWorkspaceAsync, row => [row.Key.MasterKeyId], ct);
            db.Workspaces.Add(workspace);
            db.WorkspaceKeys.Add(key);
        });

        await Assert.ThrowsAsync<MasterKeyUnavailableException>(() => write);
        Assert.Empty(await region.MasterKeyIdsAsync());
    }

    private sealed class RotationRegion : IAsyncDisposable
    {
        private readonly string _directory;
        private readonly string? _postgres;
        private readonly WorkspaceKeyRing _keyRing;

        private RotationRegion(string directory, string? postgres, CellDatabase cell, MasterKeys masterKeys)
        {
            _directory = directory;
            _postgres = postgres;
            Cell = cell;
            MasterKeys = masterKeys;
            _keyRing = new WorkspaceKeyRing(masterKeys, TimeProvider.System);
        }

        public CellDatabase Cell { get; }

        public MasterKeys MasterKeys { get; }

        public IMasterKeyProvider Master => MasterKeys.For(Region.Eu);

        public string KeyPath => MasterKeys.KeyFilePath(Region.Eu);

        public static async Task<RotationRegion> StartAsync(string provider)
        {
            string? postgres = null;
            if (provider == Providers.Postgres)
            {
                if (TestPostgres.ConnectionString is null)
                {
                    Assert.SkipUnless(TestPostgres.Required, "PostgreSQL is not available (set CONFIDE_TEST_POSTGRES).");
                    Assert.Fail("CONFIDE_TEST_REQUIRE_POSTGRES=1 but CONFIDE_TEST_POSTGRES is not set.");
                }

                postgres = await TestPostgres.CreateDatabaseAsync();
            }

            var directory = Directory.CreateTempSubdirectory("confide-rotate-").FullName;
            var cell = postgres is null
                ? CellDatabase.ForSqliteFile(Region.Eu, Path.Combine(directory, "eu.db"), TimeProvider.System)
                : new CellDatabase(Region.Eu, DatabaseProvider.Postgres, postgres, TimeProvider.System);
            await cell.MigrateAsync();
            var masterKeys = new MasterKeys(Options.Create(new ConfideOptions { DataDirectory = directory }));
            await masterKeys.OpenAsync(cell, CancellationToken.None);
            await MasterKeyFences.EnsureAsync(cell, CancellationToken.None);
            return new RotationRegion(directory, postgres, cell, masterKeys);
        }

        public MasterKeyRotation Rotation(TimeSpan? grace = null) =>
            new(MasterKeys, TimeProvider.System) { BatchSize = 10, GracePeriod = grace ?? TimeSpan.FromMilliseconds(50) };

        public async Task SeedWorkspacesAsync(int count)
        {
            for (var i = 0; i < count; i++)
            {
                await InsertAsync(await NewWorkspaceAsync());
            }
        }

        public async Task<(Workspace Workspace, WorkspaceKey Key)> NewWorkspaceAsync()
        {
            var id = PublicIds.NewWorkspaceId(Region.Eu);
            var key = await _keyRing.NewLookupIndexKeyAsync(Region.Eu, id, CancellationToken.None);
            return (new Workspace { Id = id, Region = Region.Eu.Code, Name = "Rotation", CreatedAt = DateTimeOffset.UtcNow }, key.Stored);
        }

        public Task InsertAsync((Workspace Workspace, WorkspaceKey Key) row) => Cell.Writer.WriteAsync((db, _) =>
        {
            db.Workspaces.Add(row.Workspace);
            db.WorkspaceKeys.Add(row.Key);
            return Task.CompletedTask;
        });

        /// <summary>The same database through another writer, as another process (a server, a CLI) of the region sees it.</summary>
        public CellDatabase AnotherProcessCell() => _postgres is null
            ? CellDatabase.ForSqliteFile(Region.Eu, Path.Combine(_directory, "eu.db"), TimeProvider.System)
            : new CellDatabase(Region.Eu, DatabaseProvider.Postgres, _postgres, TimeProvider.System);

        public WorkspaceKeyRing KeyRing => _keyRing;

        public async Task<List<Guid>> MasterKeyIdsAsync()
        {
            await using var db = Cell.CreateReadContext();
            return await db.WorkspaceKeys.Select(k => k.MasterKeyId).ToListAsync();
        }

        /// <summary>Every stored key unwrapped, by row id; <paramref name="fresh"/> reads the key file anew, like a restarted server.</summary>
        public async Task<Dictionary<Guid, string>> UnwrapAllAsync(bool fresh = false)
        {
            using var reopened = fresh ? KeyFileMasterKeyProvider.Open(Region.Eu, KeyPath, createIfMissing: false) : null;
            IMasterKeyProvider provider = reopened ?? Master;
            await using var db = Cell.CreateReadContext();
            var unwrapped = new Dictionary<Guid, string>();
            foreach (var key in await db.WorkspaceKeys.ToListAsync())
            {
                unwrapped[key.Id] = Convert.ToHexString(await provider.UnwrapAsync(key.WrappedKey, WorkspaceKeyRing.WrapContext(key.WorkspaceId, key.Purpose)));
            }

            return unwrapped;
        }

        public async ValueTask DisposeAsync()
        {
            MasterKeys.Dispose();
            _keyRing.Dispose();
            await Cell.DisposeAsync();
            if (_postgres is not null)
            {
                await TestPostgres.DropDatabaseAsync(_postgres);
            }

            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            Directory.Delete(_directory, recursive: true);
        }
    }
}
