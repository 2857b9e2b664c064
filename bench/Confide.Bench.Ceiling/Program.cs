using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using Confide.Bench.Ceiling;

// The bare-Kestrel ceiling for docs/benchmarks.md: the same TLS setup as Confide (its own
// certificate, TLS 1.2/1.3, HTTP/1.1 + HTTP/2) and nothing else — no database, no
// authentication, no middleware. Confide's throughput is reported as a share of this app's.
//
//   confide-bench-ceiling --port 37446 --cert server.pem --key server.key --conversation conversation.json
//
// POST /echo          reads a JSON body (the benchmark sends ~1 KiB) and answers 201 with a small JSON.
// GET  /conversation  answers 200 with the fixed bytes of --conversation (a captured Confide
//                     GET /conversations/{id} response, so both sides send the same size).
var options = CeilingOptions.Parse(args);
var conversation = await File.ReadAllBytesAsync(options.ConversationPath);
using var certificate = X509Certificate2.CreateFromPemFile(options.CertificatePath, options.KeyPath);

var builder = WebApplication.CreateSlimBuilder();
builder.Logging.ClearProviders();
builder.Services.ConfigureHttpJsonOptions(json => json.SerializerOptions.PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower);
builder.WebHost.ConfigureKestrel(kestrel =>
{
    kestrel.AddServerHeader = false;
    kestrel.ListenAnyIP(options.Port, listen => listen.UseHttps(https =>
    {
        https.ServerCertificate = certificate;
        https.SslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13;
    }));
});

var app = builder.Build();
var received = 0L;
app.MapPost("/echo", (EchoInput input) =>
{
    var count = Interlocked.Increment(ref received);
    return TypedResults.Created((string?)null, new EchoView(count, input.Body?.Length ?? 0));
});
app.MapGet("/conversation", () => TypedResults.Bytes(conversation, "application/json; charset=utf-8"));

await Console.Out.WriteLineAsync($"Ceiling listening on https://localhost:{options.Port} ({conversation.Length} B conversation)");
await app.RunAsync();
