using MimeKit;

namespace Confide.Platform.Mail;

internal static class MailMessages
{
    /// <summary>The MIME message for <paramref name="mail"/>, UTF-8 and plain text.</summary>
    public static MimeMessage ToMime(OutgoingMail mail, MailOptions options, TimeProvider time)
    {
        var message = new MimeMessage
        {
            Subject = mail.Subject,
            Date = time.GetUtcNow(),
            Body = new TextPart(MimeKit.Text.TextFormat.Plain) { Text = mail.TextBody },
        };
        message.From.Add(MailboxAddress.Parse(options.From));
        message.To.Add(MailboxAddress.Parse(mail.To));
        message.MessageId = MimeKit.Utils.MimeUtils.GenerateMessageId("confide.invalid");
        return message;
    }
}
