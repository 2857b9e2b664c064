using MailKit;
using MailKit.Net.Smtp;
using MailKit.Security;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Confide.Platform.Mail;

/// <summary>
/// Sends through the configured SMTP server (MailKit), one connection per message: invitations and
/// warnings are rare. TLS is required unless the operator chose <see cref="SmtpSecurity.None"/>.
/// </summary>
public sealed class SmtpMailSender(IOptions<MailOptions> options, TimeProvider time, ILogger<SmtpMailSender> logger) : IMailSender
{
    public async Task SendAsync(OutgoingMail mail, CancellationToken cancellationToken)
    {
        var settings = options.Value.Smtp;
        var message = MailMessages.ToMime(mail, options.Value, time);
        using var client = new SmtpClient { Timeout = settings.TimeoutSeconds * 1000 };
        try
        {
            await client.ConnectAsync(settings.Host ?? "", settings.Port, settings.Security switch
            {
                SmtpSecurity.Tls => SecureSocketOptions.SslOnConnect,
                SmtpSecurity.None => SecureSocketOptions.None,
                _ => SecureSocketOptions.StartTls,
            }, cancellationToken);
            if (!string.IsNullOrEmpty(settings.UserName))
            {
                await client.AuthenticateAsync(settings.UserName, settings.Password ?? "", cancellationToken);
            }

            await client.SendAsync(message, cancellationToken);
            await client.DisconnectAsync(quit: true, cancellationToken);
        }
        catch (Exception e) when (e is IOException or System.Net.Sockets.SocketException or TimeoutException
            or SmtpCommandException or SmtpProtocolException or AuthenticationException or ServiceNotConnectedException or SslHandshakeException)
        {
            throw new MailNotSentException($"The SMTP server did not take the message ({e.GetType().Name}).", e);
        }

        MailLog.HandedToSmtp(logger, message.MessageId ?? "", mail.Purpose);
    }
}
