using Confide.Data;
using Confide.Platform;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Time.Testing;

namespace Confide.Tests.Data;

/// <summary>Readiness answers from a real durable write, shares each answer for a moment, and never waits longer than its limit.</summary>
public sealed class CellReadinessTests : IAsyncDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("confide-readiness-").FullName;
    private readonly FakeTimeProvider _time = new(DateTimeOffset.Parse("2026-12-01T00:00:00Z", System.Globalization.CultureInfo.InvariantCulture));
    private readonly CellDatabase _cell;

    public CellReadinessTests() => _cell = CellDatabase.ForSqliteFile(Region.Eu, DbPath, _time);

    private string DbPath => Path.Combine(_directory, "confide.db");

    [Fact]
    public async Task Answers_AreSharedWithinTheFreshWindow_ThenAnsweredByANewDurableWrite()
    {
        var first = await _cell.Readiness.CheckAsync();
        Assert.True(first.Ready);
        var written = await UserVersionAsync();
        Assert.Equal(_time.GetUtcNow().ToUnixTimeSeconds(), written);

        // Fifty callers at once, and again a second later: one answer, no further write.
        var many = await Task.WhenAll(Enumerable.Range(0, 50).Select(_ => _cell.Readiness.CheckAsync()));
        Assert.All(many, answer => Assert.Same(first, answer));
        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.Same(first, await _cell.Readiness.CheckAsync());
        Assert.Equal(written, await UserVersionAsync());

        _time.Advance(CellReadiness.Fresh);
        var next = await _cell.Readiness.CheckAsync();
        Assert.NotSame(first, next);
        Assert.True(next.Ready);
        Assert.Equal(written + 3, await UserVersionAsync());
    }

    [Fact]
    public async Task ProbeStuckBehindAnotherProcesssLock_IsNotReadyAtItsTimeLimit_ThenReadyOnceTheLockGoes()
    {
        Assert.True((await _cell.Readiness.CheckAsync()).Ready);
        _time.Advance(CellReadiness.Fresh);

        await using (var holder = new SqliteConnection($"Data Source={DbPath};Pooling=False"))
        {
            await holder.OpenAsync();
            await using (var begin = holder.CreateCommand())
            {
                begin.CommandText = "BEGIN IMMEDIATE";
                await begin.ExecuteNonQueryAsync();
            }

            var answer = _cell.Readiness.CheckAsync();
            Assert.False(answer.IsCompleted);
            _time.Advance(CellReadiness.ProbeTimeout);
            var stuck = await answer.WaitAsync(TimeSpan.FromSeconds(10));
            Assert.False(stuck.Ready);
            Assert.Equal("timeout", stuck.Reason);
        }

        // The probe still queued in the writer commits once the lock is released, and says so.
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (_cell.Readiness.Last is not { Ready: true })
        {
            Assert.True(DateTime.UtcNow < deadline, "the writer did not commit within 30 s of the lock's release");
            await Task.Delay(50);
        }
    }

    private async Task<long> UserVersionAsync()
    {
        await using var connection = new SqliteConnection($"Data Source={DbPath};Pooling=False");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA user_version";
        return (long)(await command.ExecuteScalarAsync())!;
    }

    public async ValueTask DisposeAsync()
    {
        await _cell.DisposeAsync();
        SqliteConnection.ClearAllPools();
        Directory.Delete(_directory, recursive: true);
    }
}
