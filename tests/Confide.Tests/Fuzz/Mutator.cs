using System.Text;

namespace Confide.Tests.Fuzz;

/// <summary>Byte-level mutations biased towards what breaks parsers of JSON, JWTs and XML.</summary>
internal static class Mutator
{
    private static readonly byte[][] Tokens =
    [
        .. new[]
        {
            "\"", "\\", "{", "}", "[", "]", ":", ",", ".", "=", "<", ">", "&", "/", "null", "true", "-1", "0", "1e400", "-0",
            "99999999999999999999", "253402300800", "-62135596800", "\\ud800", "\\udc00", "\\u0000", "\"a\":", "\r\n", "\n",
            "<!DOCTYPE x>", "<![CDATA[", "]]>", "xmlns=\"\"", "ID=\"", "&amp;", "==", "%", "\u00ff",
        }.Select(Encoding.UTF8.GetBytes),
        [0x00], [0xff], [0xc3], [0xed, 0xa0, 0x80],
    ];

    public static byte[] Mutate(byte[] input, Random random)
    {
        var data = new List<byte>(input);
        var operations = 1 + random.Next(4);
        for (var i = 0; i < operations; i++)
        {
            Apply(data, random);
        }

        return [.. data];
    }

    /// <summary>The start of one input followed by the end of another.</summary>
    public static byte[] Splice(byte[] first, byte[] second, Random random) =>
        [.. first.AsSpan(0, random.Next(first.Length + 1)), .. second.AsSpan(random.Next(second.Length + 1))];

    private static void Apply(List<byte> data, Random random)
    {
        var at = random.Next(data.Count + 1);
        switch (random.Next(8))
        {
            case 0 when data.Count > 0:
                var flip = random.Next(data.Count);
                data[flip] ^= (byte)(1 << random.Next(8));
                break;
            case 1 when data.Count > 0:
                data[random.Next(data.Count)] = Tokens[random.Next(Tokens.Length)][0];
                break;
            case 2:
                data.InsertRange(at, Tokens[random.Next(Tokens.Length)]);
                break;
            case 3 when data.Count > 0:
                var start = random.Next(data.Count);
                data.RemoveRange(start, Math.Min(data.Count - start, 1 + random.Next(16)));
                break;
            case 4 when data.Count > 0:
                var from = random.Next(data.Count);
                var length = Math.Min(data.Count - from, 1 + random.Next(32));
                data.InsertRange(at, data.GetRange(from, length));
                break;
            case 5 when at < data.Count:
                data.RemoveRange(at, data.Count - at);
                break;
            case 6:
                ReplaceNumber(data, random);
                break;
            default:
                data.Insert(at, (byte)random.Next(256));
                break;
        }
    }

    /// <summary>A run of digits becomes an extreme number.</summary>
    private static void ReplaceNumber(List<byte> data, Random random)
    {
        var start = data.FindIndex(random.Next(data.Count + 1), b => b is >= (byte)'0' and <= (byte)'9');
        if (start < 0)
        {
            return;
        }

        var end = start;
        while (end < data.Count && data[end] is >= (byte)'0' and <= (byte)'9')
        {
            end++;
        }

        string[] extremes = ["0", "-1", "9223372036854775807", "9223372036854775808", "18446744073709551616", "1e308", "1e400", "2147483648", "253402300800"];
        data.RemoveRange(start, end - start);
        data.InsertRange(start, Encoding.ASCII.GetBytes(extremes[random.Next(extremes.Length)]));
    }
}
