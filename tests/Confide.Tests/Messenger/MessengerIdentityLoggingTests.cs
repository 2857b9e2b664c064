using Confide.Messaging.Messenger.Verification;
using Confide.Platform;
using Confide.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Confide.Tests.Messenger;

/// <summary>Failed identity checks are logged by the check that failed, never with the user id, email, name, hash or token.</summary>
public sealed class MessengerIdentityLoggingTests
{
    [Fact]
    public async Task FailedChecks_LogTheCheck_NotThePerson()
    {
        var logs = new CapturedLogs();
        await using var server = await TestServer.StartAsync(
            Providers.Sqlite, configure: b => b.Logging.AddProvider(logs), settings: ["--Logging:LogLevel:Confide=Debug"]);
        var workspace = await server.CreateWorkspaceAsync(Region.Eu);
        using var owner = workspace.Client();
        var secret = (await (await owner.PostAsync("confide/messenger_secrets", null)).JsonAsync()).Str("secret");
        var userId = "user-" + Guid.NewGuid().ToString("N");
        var email = $"{Guid.NewGuid():N}@example.com";
        var name = "Name " + Guid.NewGuid().ToString("N");
        var wrongHash = UserHash.Compute(secret, userId + "-other");
        var expired = IdentityTokens.Hs256(secret, IdentityTokens.Claims(workspace.Id, userId, DateTimeOffset.UtcNow.AddHours(-2), TimeSpan.FromMinutes(5), email, name));
        var verifier = server.Services.GetRequiredService<MessengerIdentityVerifier>();

        foreach (var claim in new MessengerIdentityClaim[] { new(userId, email, name, wrongHash, null), new(null, null, null, null, expired), new(userId, email, name, null, null) })
        {
            Assert.IsType<MessengerIdentityResult.Unverified>(await verifier.VerifyAsync(server.Cell(Region.Eu), workspace.Id, claim, CancellationToken.None));
        }

        var lines = logs.Lines;
        Assert.Contains(lines, l => l.Contains("has expired", StringComparison.Ordinal));
        foreach (var personal in new[] { userId, email, name, wrongHash, expired, expired.Split('.')[1], secret })
        {
            Assert.DoesNotContain(lines, l => l.Contains(personal, StringComparison.Ordinal));
        }
    }
}
