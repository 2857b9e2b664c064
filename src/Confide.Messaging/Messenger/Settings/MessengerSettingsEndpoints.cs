using Confide.Data;
using Confide.Identity;
using Confide.Identity.Authorization;
using Confide.Messaging.Messenger.Verification;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Confide.Messaging.Messenger.Settings;

/// <summary>
/// Confide's own endpoints for the messenger's embedding and identity verification settings,
/// and its identity secrets (Intercom keeps these in its UI). All need <c>security.manage</c>:
/// whoever holds a secret can sign in as any end user.
/// </summary>
internal static class MessengerSettingsEndpoints
{
    internal sealed record MessengerSecretList(IReadOnlyList<MessengerSecretView> Data)
    {
        public string Type { get; } = "messenger_secret.list";
    }

    public static void MapMessengerSettingsEndpoints(this IEndpointRouteBuilder api)
    {
        var settings = api.MapGroup("/confide/messenger_settings").RequirePermission(Permissions.SecurityManage);
        settings.MapGet("", GetAsync);
        settings.MapPut("", ChangeAsync);

        var secrets = api.MapGroup("/confide/messenger_secrets").RequirePermission(Permissions.SecurityManage);
        secrets.MapPost("", CreateSecretAsync);
        secrets.MapGet("", ListSecretsAsync);
        secrets.MapDelete("/{id}", RetireSecretAsync);
    }

    private static async Task<IResult> GetAsync(ApiCaller caller, CurrentCell cell, CancellationToken ct) =>
        TypedResults.Ok(MessengerSettingsView.From(await MessengerSettingsCommands.FindAsync(cell.Database, caller.WorkspaceId, ct)));

    private static async Task<IResult> ChangeAsync(ApiCaller caller, CurrentCell cell, MessengerSettingsCommands commands, MessengerSettingsInput input, CancellationToken ct) =>
        TypedResults.Ok(await commands.ChangeAsync(cell.Database, caller, input, ct));

    private static async Task<IResult> CreateSecretAsync(ApiCaller caller, CurrentCell cell, MessengerSecrets secrets, CancellationToken ct) =>
        TypedResults.Ok(await secrets.CreateAsync(cell.Database, caller, ct));

    private static async Task<IResult> ListSecretsAsync(ApiCaller caller, CurrentCell cell, CancellationToken ct) =>
        TypedResults.Ok(new MessengerSecretList(await MessengerSecrets.ListAsync(cell.Database, caller.WorkspaceId, ct)));

    private static async Task<IResult> RetireSecretAsync(ApiCaller caller, CurrentCell cell, MessengerSecrets secrets, string id, CancellationToken ct) =>
        TypedResults.Ok(await secrets.RetireAsync(cell.Database, caller, id, ct));
}
