namespace Confide.Platform.Mail;

/// <summary>A plain-text message to one recipient. Its content is personal data: never log it.</summary>
/// <param name="Purpose">What the message is for, as a code (<c>teammate_invitation</c>): the only part that is logged.</param>
public sealed record OutgoingMail(string Purpose, string To, string Subject, string TextBody);

/// <summary>Hands messages to whatever delivers them (<see cref="OutboxMailSender"/> or <see cref="SmtpMailSender"/>).</summary>
public interface IMailSender
{
    /// <summary>Sends one message, or throws <see cref="MailNotSentException"/> when it could not be handed over.</summary>
    Task SendAsync(OutgoingMail mail, CancellationToken cancellationToken);
}

/// <summary>A message could not be handed over; the message names the cause, never the recipient.</summary>
public sealed class MailNotSentException(string message, Exception? inner = null) : Exception(message, inner);
