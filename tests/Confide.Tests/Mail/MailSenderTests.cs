using Confide.Platform;
using Confide.Platform.Mail;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using MimeKit;

namespace Confide.Tests.Mail;

/// <summary>The two ways mail leaves Confide: the outbox directory (embedded) and SMTP.</summary>
public sealed class MailSenderTests : IDisposable
{
    private readonly string _data = Directory.CreateTempSubdirectory("confide-mail-").FullName;
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 6, 12, 0, 0, TimeSpan.Zero));

    private static OutgoingMail Invitation(string to) => new("teammate_invitation", to, "Invitation to join Ünïcode Ltd", "Open https://localhost/app/join/abc");

    [Fact]
    public async Task Outbox_WritesOneReadableMessage_OnlyForItsOwner()
    {
        var outbox = Outbox(new MailOptions());
        await outbox.SendAsync(Invitation("ann@example.com"), CancellationToken.None);

        var file = Assert.Single(Directory.GetFiles(outbox.Directory));
        Assert.EndsWith(".eml", file, StringComparison.Ordinal);
        Assert.Empty(Directory.GetFiles(outbox.Directory, ".*"));
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(file));
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(outbox.Directory));
        }

        var message = await MimeMessage.LoadAsync(file);
        Assert.Equal("ann@example.com", message.To.Mailboxes.Single().Address);
        Assert.Equal("Invitation to join Ünïcode Ltd", message.Subject);
        Assert.Contains("/app/join/abc", message.TextBody, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Outbox_DeletesMessagesPastItsRetention_AsNewOnesAreWritten()
    {
        var outbox = Outbox(new MailOptions { OutboxRetentionDays = 7 });
        await outbox.SendAsync(Invitation("old@example.com"), CancellationToken.None);
        var old = Assert.Single(Directory.GetFiles(outbox.Directory));
        File.SetLastWriteTimeUtc(old, _time.GetUtcNow().UtcDateTime.AddDays(-8));

        await outbox.SendAsync(Invitation("new@example.com"), CancellationToken.None);

        Assert.False(File.Exists(old));
        Assert.Single(Directory.GetFiles(outbox.Directory));
    }

    [Fact]
    public async Task Outbox_ThatCannotBeWritten_IsReportedAsNotSent_WithoutTheAddress()
    {
        var blocker = Path.Combine(_data, "mail");
        await File.WriteAllTextAsync(blocker, "a file where the directory should be");
        var outbox = Outbox(new MailOptions());

        var failure = await Assert.ThrowsAsync<MailNotSentException>(() => outbox.SendAsync(Invitation("ann@example.com"), CancellationToken.None));
        Assert.DoesNotContain("ann@example.com", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Smtp_HandsTheMessageToTheServer()
    {
        await using var smtp = new FakeSmtpServer();
        var sender = Smtp(smtp.Port);

        await sender.SendAsync(Invitation("ann@example.com"), CancellationToken.None);

        var received = Assert.Single(smtp.Received);
        Assert.Contains("<no-reply@example.com>", received.From, StringComparison.Ordinal);
        Assert.Contains("<ann@example.com>", received.To, StringComparison.Ordinal);
        Assert.Contains("/app/join/abc", received.Data, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Smtp_RefusingOrUnreachable_IsReportedAsNotSent()
    {
        await using (var refusing = new FakeSmtpServer(refuseRecipients: true))
        {
            await Assert.ThrowsAsync<MailNotSentException>(() => Smtp(refusing.Port).SendAsync(Invitation("ann@example.com"), CancellationToken.None));
        }

        var closed = Infrastructure.FreePorts.Next();
        var failure = await Assert.ThrowsAsync<MailNotSentException>(() => Smtp(closed).SendAsync(Invitation("ann@example.com"), CancellationToken.None));
        Assert.DoesNotContain("ann@example.com", failure.Message, StringComparison.Ordinal);
    }

    private OutboxMailSender Outbox(MailOptions options) =>
        new(Options.Create(options), Options.Create(new ConfideOptions { DataDirectory = _data }), _time, NullLogger<OutboxMailSender>.Instance);

    private SmtpMailSender Smtp(int port) =>
        new(Options.Create(new MailOptions
        {
            From = "Confide <no-reply@example.com>",
            Smtp = new SmtpSettings { Host = "127.0.0.1", Port = port, Security = SmtpSecurity.None, TimeoutSeconds = 10 },
        }), _time, NullLogger<SmtpMailSender>.Instance);

    public void Dispose() => Directory.Delete(_data, recursive: true);
}
