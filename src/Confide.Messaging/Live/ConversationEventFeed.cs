using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace Confide.Messaging.Live;

/// <summary>
/// Writes conversation changes as <c>text/event-stream</c>: <c>data: {"conversation_id":"…"}</c>
/// per change the reader may see, and a comment line as a heartbeat so proxies and the browser
/// keep an idle connection open. Never message content: the reader re-reads what changed itself.
/// Both live views use it: the teammate inbox and the website messenger.
/// </summary>
public sealed class ConversationEventFeed(HttpResponse response, TimeProvider clock)
{
    public static readonly TimeSpan Heartbeat = TimeSpan.FromSeconds(15);

    public static readonly TimeSpan MaxDuration = TimeSpan.FromMinutes(5);

    /// <summary>How long the browser waits before reconnecting after the stream ends.</summary>
    private const int ReconnectMilliseconds = 3000;

    /// <summary>Streams until <paramref name="ct"/> ends; a client that goes away is not an error.</summary>
    public async Task WriteAsync(IAsyncEnumerable<ConversationChanged> changes, Func<ConversationChanged, CancellationToken, Task<bool>> visible, CancellationToken ct)
    {
        response.ContentType = "text/event-stream";
        response.Headers.CacheControl = "no-cache, no-store";
        // Reverse proxies (nginx) would otherwise hold events back to fill a buffer.
        response.Headers["X-Accel-Buffering"] = "no";
        response.HttpContext.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();

        // Cancelled on the way out, so the pending read below always ends.
        using var done = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var enumerator = changes.GetAsyncEnumerator(done.Token);
        // The first MoveNext subscribes; the opening lines go out only after it, so a client that
        // has read them misses no change made from then on.
        var next = enumerator.MoveNextAsync().AsTask();
        try
        {
            await SendAsync($"retry: {ReconnectMilliseconds}\n: open\n\n", ct);
            var heartbeat = Task.Delay(Heartbeat, clock, done.Token);
            while (true)
            {
                if (await Task.WhenAny(next, heartbeat) == heartbeat)
                {
                    if (ct.IsCancellationRequested)
                    {
                        break;
                    }

                    await SendAsync(": heartbeat\n\n", ct);
                    heartbeat = Task.Delay(Heartbeat, clock, done.Token);
                    continue;
                }

                if (!await next)
                {
                    break;
                }

                var change = enumerator.Current;
                next = enumerator.MoveNextAsync().AsTask();
                if (await visible(change, ct))
                {
                    await SendAsync($"data: {JsonSerializer.Serialize(new Signal(change.ConversationId), SignalJson.Default.Signal)}\n\n", ct);
                }
            }
        }
        catch (Exception ex) when (ct.IsCancellationRequested && ex is OperationCanceledException or IOException)
        {
            // The client left, the server stops, or the stream reached its maximum duration.
        }
        finally
        {
            // An async iterator cannot be disposed while a MoveNext is pending: end it first.
            await done.CancelAsync();
            await next.ContinueWith(static _ => { }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
            await enumerator.DisposeAsync();
        }
    }

    private async Task SendAsync(string text, CancellationToken ct)
    {
        await response.WriteAsync(text, ct);
        await response.Body.FlushAsync(ct);
    }
}

internal sealed record Signal(string ConversationId);

[System.Text.Json.Serialization.JsonSourceGenerationOptions(PropertyNamingPolicy = System.Text.Json.Serialization.JsonKnownNamingPolicy.SnakeCaseLower)]
[System.Text.Json.Serialization.JsonSerializable(typeof(Signal))]
internal sealed partial class SignalJson : System.Text.Json.Serialization.JsonSerializerContext;
