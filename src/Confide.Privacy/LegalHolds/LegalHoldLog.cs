using Microsoft.Extensions.Logging;

namespace Confide.Privacy.LegalHolds;

/// <summary>The log lines of legal holds (event ids 4830–4839). Ids only: never a hold's reason.</summary>
internal static partial class LegalHoldLog
{
    [LoggerMessage(EventId = 4830, EventName = "WorkspaceDeletionStoppedByLegalHold", Level = LogLevel.Warning,
        Message = "The scheduled deletion of workspace {WorkspaceId} in region {Region} was cancelled before its keys were destroyed: a legal hold protects data in it. It can be scheduled again once no hold is active.")]
    public static partial void WorkspaceDeletionStopped(ILogger logger, string workspaceId, string region);
}
