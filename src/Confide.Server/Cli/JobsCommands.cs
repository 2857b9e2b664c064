using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Confide.Data;
using Confide.Data.Jobs;
using Confide.Data.Model;
using Confide.Platform;

namespace Confide.Server.Cli;

/// <summary>
/// <c>confide jobs list</c>: the durable jobs of each region with their state, progress, attempts
/// and times (never their payloads). Only reads: it changes no schema and needs no master key.
/// </summary>
internal static class JobsCommands
{
    private static readonly JsonSerializerOptions SnakeCase = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    public static Command Create()
    {
        var jobs = new Command("jobs", "Inspect the durable background jobs (exports, purges, ...).");
        jobs.Subcommands.Add(ListCommand());
        return jobs;
    }

    private sealed record RegionJob(string Region, JobSummary Job);

    private static Command ListCommand()
    {
        var region = new Option<string?>("--region") { Description = "Only this region (us, eu or au)." };
        var state = new Option<string?>("--state") { Description = $"Only jobs in this state: {string.Join(", ", JobStates.All)}." };
        var workspace = new Option<string?>("--workspace") { Description = "Only this workspace's jobs." };
        var kind = new Option<string?>("--kind") { Description = "Only jobs of this kind." };
        var limit = new Option<int>("--limit") { Description = "At most this many per region, newest first (1-1000).", DefaultValueFactory = _ => 100 };
        var json = new Option<bool>("--json") { Description = "Print JSON." };
        var command = new Command("list", "List jobs with their state, progress, attempts and times, newest first.") { region, state, workspace, kind, limit, json };
        command.TreatUnmatchedTokensAsErrors = false;
        command.SetAction(async (result, ct) =>
        {
            if (result.GetValue(state) is { } s && !JobStates.All.Contains(s))
            {
                await Console.Error.WriteLineAsync($"Unknown state '{s}'. Use one of: {string.Join(", ", JobStates.All)}.");
                return 2;
            }

            var builder = ConfideHost.CreateBuilder(result.UnmatchedTokens.ToArray());
            await using var app = builder.Build();
            var cells = app.Services.GetRequiredService<CellRegistry>();
            if (await CliRegions.SelectAsync(cells, result.GetValue(region)) is not { } regions)
            {
                return 2;
            }

            var filter = new JobFilter(result.GetValue(workspace), result.GetValue(state), result.GetValue(kind), result.GetValue(limit));
            var listed = new List<RegionJob>();
            foreach (var r in regions)
            {
                try
                {
                    listed.AddRange((await JobQueries.ListAsync(cells.Get(r), filter, ct)).Select(job => new RegionJob(r.Code, job)));
                }
                catch (Exception ex) when (DatabaseFailure.IsUnavailable(ex) || ex is System.Data.Common.DbException)
                {
                    // Also a database whose schema predates jobs: a server start brings it up to date.
                    await Console.Error.WriteLineAsync($"Region '{r.Code}': reading its jobs failed ({DatabaseFailure.ReasonOf(ex)}). Is the database reachable and its schema up to date (start the server once)?");
                    return 1;
                }
            }

            if (result.GetValue(json))
            {
                await Console.Out.WriteLineAsync(JsonSerializer.Serialize(listed.Select(l => new { region = l.Region, job = l.Job }), SnakeCase));
                return 0;
            }

            if (listed.Count == 0)
            {
                await Console.Out.WriteLineAsync("No jobs.");
                return 0;
            }

            await Console.Out.WriteLineAsync($"{"REGION",-6} {"ID",-24} {"WORKSPACE",-15} {"KIND",-24} {"STATE",-9} {"PROGRESS",-17} {"TRIES",5} {"CREATED",-20} {"UPDATED",-20} {"ERROR / LEASE"}");
            foreach (var (r, job) in listed)
            {
                await Console.Out.WriteLineAsync($"{r,-6} {job.Id,-24} {job.WorkspaceId ?? "-",-15} {Cut(job.Kind, 24),-24} {job.State,-9} {Progress(job),-17} {job.Attempts,5} {Time(job.CreatedAt),-20} {Time(job.UpdatedAt),-20} {Note(job)}");
            }

            return 0;
        });
        return command;
    }

    private static string Progress(JobSummary job) => job.ProgressTotal is { } total && total > 0
        ? string.Create(CultureInfo.InvariantCulture, $"{job.ProgressDone}/{total} {100.0 * job.ProgressDone / total:0}%")
        : job.ProgressDone.ToString(CultureInfo.InvariantCulture);

    private static string Time(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture);

    private static string Note(JobSummary job) => job switch
    {
        { LastError: { } error } => error,
        { LeaseOwner: { } owner, LeaseExpiresAt: { } until } => $"held by {owner} until {Time(until)}",
        { State: JobStates.Queued } when job.NotBefore > job.UpdatedAt => $"not before {Time(job.NotBefore)}",
        _ => "",
    };

    private static string Cut(string value, int length) => value.Length <= length ? value : value[..(length - 1)] + "…";
}
