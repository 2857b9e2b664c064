using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Confide.Platform.Mail;

/// <summary>
/// The embedded mode's mail server: each message is an <c>.eml</c> file in the outbox directory,
/// readable only by Confide's user, written whole or not at all (a temporary file renamed into
/// place). Messages past <see cref="MailOptions.OutboxRetentionDays"/> are deleted as new ones are
/// written: they hold addresses and one-time links, which must not pile up.
/// </summary>
public sealed class OutboxMailSender(IOptions<MailOptions> options, IOptions<ConfideOptions> confide, TimeProvider time, ILogger<OutboxMailSender> logger) : IMailSender
{
    public string Directory { get; } = Path.Combine(confide.Value.DataDirectoryFullPath, options.Value.OutboxDirectory);

    public async Task SendAsync(OutgoingMail mail, CancellationToken cancellationToken)
    {
        var message = MailMessages.ToMime(mail, options.Value, time);
        try
        {
            CreateDirectory();
            var name = $"{time.GetUtcNow():yyyyMMddTHHmmssfffZ}-{Guid.NewGuid():N}.eml";
            var temporary = Path.Combine(Directory, "." + name + ".tmp");
            var fileOptions = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, Options = FileOptions.Asynchronous };
            if (!OperatingSystem.IsWindows())
            {
                fileOptions.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
            }

            await using (var file = new FileStream(temporary, fileOptions))
            {
                await message.WriteToAsync(file, cancellationToken);
                await file.FlushAsync(cancellationToken);
                file.Flush(flushToDisk: true);
            }

            File.Move(temporary, Path.Combine(Directory, name));
        }
        catch (IOException e)
        {
            throw new MailNotSentException("The outbox directory could not be written.", e);
        }
        catch (UnauthorizedAccessException e)
        {
            throw new MailNotSentException("The outbox directory is not writable.", e);
        }

        MailLog.WrittenToOutbox(logger, message.MessageId ?? "", mail.Purpose);
        DeleteExpired();
    }

    private void CreateDirectory()
    {
        if (OperatingSystem.IsWindows())
        {
            System.IO.Directory.CreateDirectory(Directory);
        }
        else
        {
            System.IO.Directory.CreateDirectory(Directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
    }

    private void DeleteExpired()
    {
        var cutoff = time.GetUtcNow().UtcDateTime.AddDays(-options.Value.OutboxRetentionDays);
        foreach (var file in new DirectoryInfo(Directory).EnumerateFiles("*.eml"))
        {
            if (file.LastWriteTimeUtc < cutoff)
            {
                try
                {
                    file.Delete();
                }
                catch (IOException)
                {
                    // Deleted by another process meanwhile, or busy: the next message tries again.
                }
            }
        }
    }
}
