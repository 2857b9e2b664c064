namespace Confide.Platform.Mail;

/// <summary>
/// How Confide sends mail (invitations, later warnings to owners). Bound from <c>Confide:Mail</c>.
/// Without an SMTP host, mail goes to the outbox directory (the embedded mode's stand-in for a
/// mail server): a file per message that an operator or a test can read.
/// </summary>
public sealed class MailOptions
{
    public const string Section = "Confide:Mail";

    /// <summary>The sender, e.g. <c>Confide &lt;no-reply@example.com&gt;</c>.</summary>
    public string From { get; set; } = "Confide <no-reply@localhost>";

    /// <summary>Where the outbox is when no SMTP host is set; relative paths are under the data directory.</summary>
    public string OutboxDirectory { get; set; } = Path.Combine("mail", "outbox");

    /// <summary>Messages older than this are deleted from the outbox (they hold addresses and one-time links).</summary>
    public int OutboxRetentionDays { get; set; } = 7;

    public SmtpSettings Smtp { get; set; } = new();

    public bool UsesSmtp => !string.IsNullOrWhiteSpace(Smtp.Host);
}

public sealed class SmtpSettings
{
    public string? Host { get; set; }

    public int Port { get; set; } = 587;

    /// <summary>
    /// <c>StartTls</c> (default: the connection must be upgraded to TLS), <c>Tls</c> (TLS from the
    /// first byte, usually port 465) or <c>None</c> (plain text: only for a relay on this machine).
    /// </summary>
    public SmtpSecurity Security { get; set; } = SmtpSecurity.StartTls;

    public string? UserName { get; set; }

    public string? Password { get; set; }

    /// <summary>How long one attempt to hand a message over may take.</summary>
    public int TimeoutSeconds { get; set; } = 30;
}

public enum SmtpSecurity
{
    StartTls,
    Tls,
    None,
}
