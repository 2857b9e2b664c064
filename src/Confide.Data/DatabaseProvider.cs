namespace Confide.Data;

public enum DatabaseProvider
{
    Sqlite,
    Postgres,
}
