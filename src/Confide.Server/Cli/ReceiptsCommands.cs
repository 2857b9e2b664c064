using System.CommandLine;
using System.Security.Cryptography;
using Confide.Privacy.Erasure;

namespace Confide.Server.Cli;

/// <summary>
/// <c>confide receipts verify FILE</c>: checks an erasure receipt or a workspace-deletion receipt offline against the region's
/// published activity-log keys. Exit 0 for a genuine receipt, 1 for any change or a key not
/// trusted, 2 for unusable input; always one line of reason, never a stack trace.
/// </summary>
internal static class ReceiptsCommands
{
    public static Command Create()
    {
        var receipts = new Command("receipts", "Verify erasure and workspace-deletion receipts.");
        receipts.Subcommands.Add(VerifyCommand());
        return receipts;
    }

    private static Command VerifyCommand()
    {
        var file = new Argument<FileInfo>("receipt") { Description = "A receipt downloaded from GET /confide/privacy_requests/{id}/receipt, or a workspace-deletion receipt (mailed, or printed by 'confide workspace receipt')." };
        var publicKeys = new Option<FileInfo[]>("--public-key") { Description = "A PEM public key to trust (publicKeyPem of /.well-known/confide/activity-log-keys); repeatable." };
        var keysFile = new Option<FileInfo?>("--keys-file") { Description = "The region's published keys document (/.well-known/confide/activity-log-keys), saved to a file." };
        var keysUrl = new Option<Uri?>("--keys-url") { Description = "Where the region publishes its keys, e.g. https://eu.example.com/.well-known/confide/activity-log-keys." };
        var command = new Command("verify", "Check an erasure or workspace-deletion receipt's signature against the region's published key. Exits 0 only for a genuine, unchanged receipt.")
        {
            file, publicKeys, keysFile, keysUrl,
        };
        command.SetAction(async (result, ct) =>
        {
            var path = result.GetValue(file)!;
            if (!path.Exists)
            {
                await Console.Error.WriteLineAsync($"No such file: {path.FullName}");
                return 2;
            }

            var trusted = new List<ErasureReceiptVerifier.TrustedKey>();
            try
            {
                foreach (var pem in result.GetValue(publicKeys) ?? [])
                {
                    trusted.Add(ErasureReceiptVerifier.FromPem(await File.ReadAllTextAsync(pem.FullName, ct)));
                }

                if (result.GetValue(keysFile) is { } document)
                {
                    trusted.AddRange(ErasureReceiptVerifier.FromKeysDocument(await File.ReadAllBytesAsync(document.FullName, ct)));
                }

                if (result.GetValue(keysUrl) is { } url)
                {
                    using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
                    trusted.AddRange(ErasureReceiptVerifier.FromKeysDocument(await http.GetByteArrayAsync(url, ct)));
                }
            }
            catch (Exception ex) when (ex is ArgumentException or CryptographicException or IOException or FormatException or HttpRequestException or TaskCanceledException or UnauthorizedAccessException)
            {
                await Console.Error.WriteLineAsync($"The keys to trust could not be read: {ex.Message}");
                return 2;
            }

            if (trusted.Count == 0)
            {
                await Console.Error.WriteLineAsync("Name the key to trust with --public-key, --keys-file or --keys-url (the region publishes it at /.well-known/confide/activity-log-keys).");
                return 2;
            }

            byte[] bytes;
            try
            {
                bytes = await File.ReadAllBytesAsync(path.FullName, ct);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                await Console.Error.WriteLineAsync($"{path.Name} could not be read: {ex.Message}");
                return 2;
            }

            var verdict = ErasureReceiptVerifier.Verify(bytes, trusted);
            await Console.Out.WriteLineAsync(verdict.Ok ? verdict.Message : $"FAILED: {verdict.Message}");
            return verdict.Ok ? 0 : 1;
        });
        return command;
    }
}
