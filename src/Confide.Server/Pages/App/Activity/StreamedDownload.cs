using Microsoft.AspNetCore.Mvc;
using Microsoft.Net.Http.Headers;

namespace Confide.Server.Pages.App.Activity;

/// <summary>An attachment written straight to the response, so a long log is never held in memory.</summary>
internal sealed class StreamedDownload(string contentType, string fileName, Func<Stream, CancellationToken, Task> write) : IActionResult
{
    public async Task ExecuteResultAsync(ActionContext context)
    {
        var response = context.HttpContext.Response;
        response.ContentType = contentType;
        var disposition = new ContentDispositionHeaderValue("attachment");
        disposition.SetHttpFileName(fileName);
        response.Headers.ContentDisposition = disposition.ToString();
        await write(response.Body, context.HttpContext.RequestAborted);
    }
}
