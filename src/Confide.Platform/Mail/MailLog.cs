using Microsoft.Extensions.Logging;

namespace Confide.Platform.Mail;

/// <summary>Mail's log lines: never the recipient or the content, only that a message went and how.</summary>
internal static partial class MailLog
{
    [LoggerMessage(EventId = 4620, Level = LogLevel.Information, Message = "Mail {MessageId} ({Purpose}) was written to the outbox.")]
    public static partial void WrittenToOutbox(ILogger logger, string messageId, string purpose);

    [LoggerMessage(EventId = 4621, Level = LogLevel.Information, Message = "Mail {MessageId} ({Purpose}) was handed to the SMTP server.")]
    public static partial void HandedToSmtp(ILogger logger, string messageId, string purpose);
}
