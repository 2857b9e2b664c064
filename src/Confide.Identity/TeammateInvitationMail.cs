using System.Globalization;
using Confide.Data;
using Confide.Platform;
using Confide.Platform.Mail;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Confide.Identity;

/// <summary>
/// Mails an invitation link to the invited address: the one channel to the person that the
/// inviting workspace does not see, so the workspace learns nothing about the address's account.
/// A message that cannot be handed over is logged once and reported to the caller; the invitation
/// stays valid and can be sent again.
/// </summary>
public sealed partial class TeammateInvitationMail(IMailSender mail, IOptions<ConfideOptions> options, ILogger<TeammateInvitationMail> logger)
{
    public const string Purpose = "teammate_invitation";

    /// <summary>Whether the message was handed over.</summary>
    public async Task<bool> SendAsync(CellDatabase cell, string workspaceName, string email, string role, string token, DateTimeOffset expiresAt, CancellationToken ct)
    {
        var url = InvitationLinks.Url(options.Value, cell.Region, token);
        var body = string.Create(CultureInfo.InvariantCulture, $"""
            You have been invited to join the workspace "{workspaceName}" on Confide as {role}.

            To accept, open this link before {expiresAt.UtcDateTime:yyyy-MM-dd HH:mm} UTC:
            {url}

            If you already have a Confide account with this address, you will be asked to sign in;
            otherwise you will choose a password. The workspace does not learn whether you have an account
            until you accept. If you did not expect this invitation, ignore this message.
            """);
        try
        {
            await mail.SendAsync(new OutgoingMail(Purpose, email, $"Invitation to join {workspaceName} on Confide", body), ct);
            return true;
        }
        catch (MailNotSentException e)
        {
            NotSent(logger, e.Message);
            return false;
        }
    }

    [LoggerMessage(EventId = 4622, Level = LogLevel.Warning, Message = "An invitation could not be mailed: {Reason} It can be sent again.")]
    private static partial void NotSent(ILogger logger, string reason);
}
