using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Confide.Platform.Mail;

public static class MailServiceCollectionExtensions
{
    /// <summary>Mail through SMTP when <c>Confide:Mail:Smtp:Host</c> is set, otherwise to the outbox directory.</summary>
    public static IServiceCollection AddConfideMail(this IServiceCollection services)
    {
        services.AddOptions<MailOptions>().BindConfiguration(MailOptions.Section)
            .Validate(o => o.OutboxRetentionDays is >= 1 and <= 90, "Confide:Mail:OutboxRetentionDays must be between 1 and 90.")
            .Validate(o => MimeKit.MailboxAddress.TryParse(o.From, out _), "Confide:Mail:From is not a mail address.")
            .ValidateOnStart();
        services.AddSingleton<OutboxMailSender>();
        services.AddSingleton<SmtpMailSender>();
        services.AddSingleton<IMailSender>(sp => sp.GetRequiredService<IOptions<MailOptions>>().Value.UsesSmtp
            ? sp.GetRequiredService<SmtpMailSender>()
            : sp.GetRequiredService<OutboxMailSender>());
        return services;
    }
}
