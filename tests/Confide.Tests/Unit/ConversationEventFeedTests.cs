using System.IO.Pipelines;
using System.Threading.Channels;
using Confide.Messaging.Live;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Time.Testing;

namespace Confide.Tests.Unit;

/// <summary>The live views' event stream format, heartbeat and ending, on a clock the test moves.</summary>
public sealed class ConversationEventFeedTests
{
    [Fact]
    public async Task WritesVisibleChangesAsIds_HeartbeatsWhenIdle_AndEndsQuietlyWhenCancelled()
    {
        var clock = new FakeTimeProvider();
        var changes = Channel.CreateUnbounded<ConversationChanged>();
        var pipe = new Pipe();
        var http = new DefaultHttpContext();
        http.Response.Body = pipe.Writer.AsStream();
        using var stop = new CancellationTokenSource();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var streaming = new ConversationEventFeed(http.Response, clock).WriteAsync(
            changes.Reader.ReadAllAsync(stop.Token), (change, _) => Task.FromResult(change.ConversationId != "hidden"), stop.Token);
        using var reader = new StreamReader(pipe.Reader.AsStream());

        Assert.Equal("retry: 3000", await reader.ReadLineAsync(timeout.Token));
        Assert.Equal(": open", await reader.ReadLineAsync(timeout.Token));
        Assert.Equal("", await reader.ReadLineAsync(timeout.Token));
        Assert.Equal("text/event-stream", http.Response.ContentType);
        Assert.Equal("no-cache, no-store", http.Response.Headers.CacheControl.ToString());

        changes.Writer.TryWrite(new ConversationChanged("w1", "hidden", "contact"));
        changes.Writer.TryWrite(new ConversationChanged("w1", "shown", "contact"));
        Assert.Equal("data: {\"conversation_id\":\"shown\"}", await reader.ReadLineAsync(timeout.Token));
        Assert.Equal("", await reader.ReadLineAsync(timeout.Token));

        // The stream arms its timer after writing: move the clock until the heartbeat is out.
        var heartbeat = reader.ReadLineAsync(timeout.Token).AsTask();
        while (!heartbeat.IsCompleted)
        {
            clock.Advance(ConversationEventFeed.Heartbeat);
            await Task.WhenAny(heartbeat, Task.Delay(50, timeout.Token));
        }

        Assert.Equal(": heartbeat", await heartbeat);
        await stop.CancelAsync();
        await streaming.WaitAsync(timeout.Token);
    }
}
