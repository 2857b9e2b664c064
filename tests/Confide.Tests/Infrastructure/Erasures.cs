using System.Net;

namespace Confide.Tests.Infrastructure;

/// <summary>
/// An erasure answers once the contact's key is destroyed, the contact hidden and the erasure
/// logged; its purge deletes the rows and stores the receipt a moment later. Tests that look at
/// the completed request, the receipt or the rows wait here.
/// </summary>
public static class Erasures
{
    /// <summary>Waits until the purge of <paramref name="contactId"/> has stored its receipt.</summary>
    public static Task WaitForPurgeAsync(this HttpClient api, string contactId) =>
        Poll.UntilAsync(
            async () =>
            {
                var request = (await (await api.PostJsonAsync("user_delete_requests", new { intercom_user_id = contactId })).JsonAsync()).Str("id");
                using var receipt = await api.GetAsync($"confide/privacy_requests/{request}/receipt");
                return receipt.StatusCode;
            },
            status => status == HttpStatusCode.OK, TimeSpan.FromSeconds(90), "the erasure's purge to store its receipt");
}
