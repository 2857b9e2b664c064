using Microsoft.EntityFrameworkCore.Storage.ValueConversion;

namespace Confide.Data;

/// <summary>Stores instants as UTC Unix milliseconds (SQLite only).</summary>
internal sealed class DateTimeOffsetToUnixMillisecondsConverter()
    : ValueConverter<DateTimeOffset, long>(
        value => value.ToUnixTimeMilliseconds(),
        value => DateTimeOffset.FromUnixTimeMilliseconds(value));
