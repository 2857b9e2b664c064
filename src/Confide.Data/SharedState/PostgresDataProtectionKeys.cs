using System.Xml.Linq;
using Microsoft.AspNetCore.DataProtection.Repositories;
using Npgsql;

namespace Confide.Data.SharedState;

/// <summary>
/// Keeps ASP.NET Core Data Protection's key ring in PostgreSQL, so a session cookie or an
/// antiforgery token issued by one process is accepted by every other. The elements stored are
/// the encrypted ones (<c>KeyFileXmlEncryptor</c>): the table alone does not reveal a key, the
/// data-protection key file every process holds is needed too.
/// </summary>
/// <remarks>
/// Data Protection's interface is synchronous. Two processes starting together may each create
/// a key; both are kept and both are valid, and a process that meets a payload under a key it
/// has not loaded yet reloads the ring first (Data Protection's own behaviour).
/// </remarks>
public sealed class PostgresDataProtectionKeys : IXmlRepository
{
    private const string Schema = """
        CREATE TABLE IF NOT EXISTS confide_data_protection_keys (
            id            bigserial PRIMARY KEY,
            friendly_name text NOT NULL,
            xml           text NOT NULL,
            created_at    timestamptz NOT NULL DEFAULT now()
        )
        """;

    private readonly string _connectionString;
    private readonly Lazy<bool> _created;

    public PostgresDataProtectionKeys(string connectionString)
    {
        _connectionString = connectionString;
        _created = new Lazy<bool>(CreateTable, LazyThreadSafetyMode.ExecutionAndPublication);
    }

    public IReadOnlyCollection<XElement> GetAllElements()
    {
        _ = _created.Value;
        using var connection = Open();
        using var command = new NpgsqlCommand("SELECT xml FROM confide_data_protection_keys ORDER BY id", connection);
        using var reader = command.ExecuteReader();
        var elements = new List<XElement>();
        while (reader.Read())
        {
            elements.Add(XElement.Parse(reader.GetString(0)));
        }

        return elements;
    }

    public void StoreElement(XElement element, string friendlyName)
    {
        _ = _created.Value;
        using var connection = Open();
        using var command = new NpgsqlCommand("INSERT INTO confide_data_protection_keys (friendly_name, xml) VALUES (@name, @xml)", connection);
        command.Parameters.AddWithValue("name", friendlyName);
        command.Parameters.AddWithValue("xml", element.ToString(SaveOptions.DisableFormatting));
        command.ExecuteNonQuery();
    }

    // Synchronous: IXmlRepository is. Runs once per process, at its first key read or write.
    private bool CreateTable()
    {
        PostgresSchema.EnsureAsync(_connectionString, "confide_data_protection_keys", Schema, CancellationToken.None).GetAwaiter().GetResult();
        return true;
    }

    private NpgsqlConnection Open()
    {
        var connection = new NpgsqlConnection(_connectionString);
        connection.Open();
        return connection;
    }
}
