using Microsoft.Extensions.Logging;

namespace Confide.Identity.Sso;

/// <summary>Single sign-on's log lines, in one place to review: workspace ids and reason codes only, never emails or names.</summary>
public static partial class SsoLog
{
    [LoggerMessage(EventId = 4400, Level = LogLevel.Information, Message = "An SSO sign-in to workspace {WorkspaceId} was refused: {Reason}.")]
    public static partial void SignInRefused(ILogger logger, string workspaceId, string reason);

    [LoggerMessage(EventId = 4401, Level = LogLevel.Warning, Message = "The OIDC response for workspace {WorkspaceId} failed validation ({Reason}, {ExceptionType}).")]
    public static partial void OidcResponseRefused(ILogger logger, string workspaceId, string reason, string exceptionType);

    [LoggerMessage(EventId = 4402, Level = LogLevel.Warning, Message = "The identity provider of workspace {WorkspaceId} could not be reached ({ExceptionType}).")]
    public static partial void ProviderUnreachable(ILogger logger, string workspaceId, string exceptionType);

    [LoggerMessage(EventId = 4403, Level = LogLevel.Error, Message = "The OIDC client secret of workspace {WorkspaceId} cannot be decrypted; the connection must be saved again.")]
    public static partial void ClientSecretUnreadable(ILogger logger, string workspaceId);

    [LoggerMessage(EventId = 4404, Level = LogLevel.Warning, Message = "The SAML response for workspace {WorkspaceId} was refused ({SamlFailure}).")]
    public static partial void SamlResponseRefused(ILogger logger, string workspaceId, string samlFailure);
}
