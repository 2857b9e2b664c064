namespace Confide.Bench.Ceiling;

/// <summary>The same shape as Confide's reply body, so both sides deserialize alike.</summary>
internal sealed record EchoInput(string? MessageType, string? Type, string? AdminId, string? Body);

internal sealed record EchoView(long Id, int BodyLength)
{
    public string Type { get; } = "echo";
}

internal sealed record CeilingOptions(int Port, string CertificatePath, string KeyPath, string ConversationPath)
{
    public static CeilingOptions Parse(string[] args)
    {
        string Value(string name)
        {
            var index = Array.IndexOf(args, name);
            return index >= 0 && index + 1 < args.Length
                ? args[index + 1]
                : throw new ArgumentException($"Missing {name}. Usage: --port N --cert server.pem --key server.key --conversation file.json");
        }

        return new CeilingOptions(
            int.Parse(Value("--port"), System.Globalization.CultureInfo.InvariantCulture),
            Value("--cert"),
            Value("--key"),
            Value("--conversation"));
    }
}
