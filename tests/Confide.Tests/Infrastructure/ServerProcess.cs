using System.Diagnostics;
using System.Text.Json;
using Confide.Platform;

namespace Confide.Tests.Infrastructure;

/// <summary>
/// Confide as a separate OS process (the built <c>confide.dll</c>), for what an in-process
/// server cannot show: the CLI against a running server, and surviving <c>kill -9</c>.
/// </summary>
public sealed class ServerProcess : IDisposable
{
    private readonly System.Text.StringBuilder _log = new();
    private Process? _process;
    private System.Security.Cryptography.X509Certificates.X509Certificate2? _ca;

    public ServerProcess(string? euPostgres = null)
    {
        DataDirectory = Directory.CreateTempSubdirectory("confide-proc-").FullName;
        Ports = Region.All.ToDictionary(r => r, _ => FreePorts.Next());
        // No daily retention sweep unless a test asks for one (Configure replaces it): its activity entries would surprise other tests.
        ConfigArgs = [.. Ports.Select(p => $"--Confide:Regions:{p.Key.Code}:Port={p.Value}"), .. GenerousRateLimits.Args, "--Confide:Retention:Schedule=false"];
        if (euPostgres is not null)
        {
            ConfigArgs.Add($"--Confide:Regions:eu:Postgres={euPostgres}");
        }
    }

    public string DataDirectory { get; }

    public Dictionary<Region, int> Ports { get; }

    private List<string> ConfigArgs { get; }

    /// <summary>Extra environment variables for the server and CLI processes.</summary>
    public Dictionary<string, string> EnvironmentVariables { get; } = [];

    /// <summary>Sets a configuration key (e.g. <c>Confide:Regions:eu:MasterKey:Provider</c>) for the next start, replacing an earlier value.</summary>
    public void Configure(string key, string value)
    {
        ConfigArgs.RemoveAll(arg => arg.StartsWith($"--{key}=", StringComparison.Ordinal));
        ConfigArgs.Add($"--{key}={value}");
    }

    private static string ServerDll => Path.Combine(AppContext.BaseDirectory, "confide.dll");

    public async Task StartAsync()
    {
        _process = Process.Start(StartInfo([.. ConfigArgs]))!;
        // Drain the pipes so a chatty server can never block on a full buffer.
        _process.OutputDataReceived += (_, e) => Append(e.Data);
        _process.ErrorDataReceived += (_, e) => Append(e.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        var url = $"https://localhost:{Ports[Region.Eu]}/";
        var deadline = DateTime.UtcNow.AddSeconds(120);
        while (DateTime.UtcNow < deadline)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"Server exited early: {Log}");
            }

            try
            {
                if (File.Exists(CaPath))
                {
                    using var client = ClientFor(Region.Eu, token: null);
                    using var response = await client.GetAsync(url);
                    return;
                }
            }
            catch (HttpRequestException)
            {
            }

            await Task.Delay(200);
        }

        throw new TimeoutException("Server did not become ready.");
    }

    private string Log
    {
        get
        {
            lock (_log)
            {
                return _log.ToString();
            }
        }
    }

    private void Append(string? line)
    {
        lock (_log)
        {
            _log.AppendLine(line);
        }
    }

    /// <summary>Starts the server expecting it to refuse to start; returns its exit code and output.</summary>
    public async Task<(int ExitCode, string Output)> StartExpectingFailureAsync()
    {
        using var process = Process.Start(StartInfo([.. ConfigArgs]))!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await output + await error);
    }

    /// <summary>Stops the server gracefully (SIGTERM) and waits for it.</summary>
    public async Task StopAsync()
    {
        if (_process is { HasExited: false })
        {
            using var kill = Process.Start("kill", ["-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
            await kill.WaitForExitAsync();
            await _process.WaitForExitAsync();
        }
    }

    public string CaPath => Path.Combine(DataDirectory, "tls", "ca.pem");

    public HttpClient ClientFor(Region region, string? token)
    {
        _ca ??= System.Security.Cryptography.X509Certificates.X509Certificate2.CreateFromPem(File.ReadAllText(CaPath));
        return LocalCaClient.Create(_ca, new Uri($"https://localhost:{Ports[region]}/"), token);
    }

    /// <summary>A teammate's browser on <paramref name="region"/>'s endpoint: keeps cookies in <paramref name="cookies"/>, follows no redirect.</summary>
    public HttpClient BrowserFor(Region region, System.Net.CookieContainer cookies)
    {
        _ca ??= System.Security.Cryptography.X509Certificates.X509Certificate2.CreateFromPem(File.ReadAllText(CaPath));
        return LocalCaClient.Create(_ca, new Uri($"https://localhost:{Ports[region]}/"), token: null, cookies);
    }

    /// <summary>Runs <c>confide workspace create ... --json</c> and returns its JSON.</summary>
    public Task<JsonElement> CreateWorkspaceAsync(Region region, string name, string owner) =>
        RunCliJsonAsync("workspace", "create", "--region", region.Code, "--name", name, "--owner", owner, "--json");

    /// <summary>Runs a CLI command with this server's configuration; it must succeed and print JSON.</summary>
    public async Task<JsonElement> RunCliJsonAsync(params string[] command)
    {
        var (exitCode, output, error) = await RunCliAsync(command);
        Assert.True(exitCode == 0, $"CLI failed ({exitCode}): {error}");
        return JsonDocument.Parse(output).RootElement.Clone();
    }

    /// <summary>Runs a CLI command with this server's configuration (output redirected) and returns what it did.</summary>
    public async Task<(int ExitCode, string Output, string Error)> RunCliAsync(params string[] command)
    {
        using var cli = Process.Start(StartInfo([.. command, .. ConfigArgs]))!;
        var output = cli.StandardOutput.ReadToEndAsync();
        var error = cli.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        try
        {
            await cli.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            // A command that never ends (e.g. one that started serving): stop it and say so.
            cli.Kill(entireProcessTree: true);
            await cli.WaitForExitAsync();
            throw new TimeoutException($"confide {string.Join(' ', command)} did not exit within 2 minutes: {await output}{await error}");
        }

        return (cli.ExitCode, await output, await error);
    }

    /// <summary>SIGKILL: no shutdown hooks, no flushing; only what was durable survives.</summary>
    public void KillHard()
    {
        _process?.Kill(entireProcessTree: false);
        _process?.WaitForExit();
    }

    private ProcessStartInfo StartInfo(string[] args)
    {
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add(ServerDll);
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        info.Environment["CONFIDE_DATA_DIR"] = DataDirectory;
        info.Environment["Logging__LogLevel__Default"] = "Warning";
        foreach (var (name, value) in EnvironmentVariables)
        {
            info.Environment[name] = value;
        }
        return info;
    }

    public void Dispose()
    {
        if (_process is { HasExited: false })
        {
            _process.Kill();
            _process.WaitForExit();
        }

        _process?.Dispose();
        _ca?.Dispose();
        try
        {
            Directory.Delete(DataDirectory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
