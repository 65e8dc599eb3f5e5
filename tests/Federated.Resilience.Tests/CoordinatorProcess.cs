using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using System.Threading.Channels;

namespace Federated.Resilience.Tests;

/// <summary>
/// A real coordinator process (<c>dotnet Federated.Coordinator.dll serve</c> from this test's output) on 127.0.0.1,
/// h2c. Its standard output is read line by line so tests can wait for a line (the bound address, a crash-point
/// marker) instead of sleeping; <see cref="Kill"/> sends SIGKILL.
/// </summary>
internal sealed partial class CoordinatorProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly Channel<string> _lines = Channel.CreateUnbounded<string>();
    private readonly List<string> _log = [];

    private CoordinatorProcess(Process process)
    {
        _process = process;
    }

    public Uri Address { get; private set; } = null!;

    public int Id => _process.Id;

    public bool HasExited => _process.HasExited;

    public int ExitCode => _process.ExitCode;

    /// <summary>Everything the process printed so far (for failure messages).</summary>
    public string Output
    {
        get
        {
            lock (_log)
            {
                return string.Join('\n', _log.TakeLast(80));
            }
        }
    }

    public static string CoordinatorDll => Path.Combine(AppContext.BaseDirectory, "Federated.Coordinator.dll");

    /// <summary>Starts <c>Federated.Coordinator.dll ARGS</c> (any command, e.g. <c>simulate</c>) without waiting for anything.</summary>
    public static CoordinatorProcess StartCommand(string workingDirectory, IEnumerable<string> args, IReadOnlyDictionary<string, string>? environment = null)
    {
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory,
        };
        info.ArgumentList.Add(CoordinatorDll);
        foreach (var a in args)
        {
            info.ArgumentList.Add(a);
        }
        info.Environment["DOTNET_NOLOGO"] = "1";
        info.Environment.Remove("FEDERATED_CRASH_POINT");
        foreach (var (k, v) in environment ?? new Dictionary<string, string>())
        {
            info.Environment[k] = v;
        }
        var process = Process.Start(info) ?? throw new InvalidOperationException("could not start the coordinator");
        var started = new CoordinatorProcess(process);
        process.OutputDataReceived += (_, e) => started.OnLine(e.Data);
        process.ErrorDataReceived += (_, e) => started.OnLine(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return started;
    }

    /// <summary>Starts <c>serve</c> with <paramref name="settings"/> (configuration keys) on <paramref name="port"/> (0: any) and waits until it listens.</summary>
    public static async Task<CoordinatorProcess> StartAsync(string stateDir, int port, IReadOnlyDictionary<string, string> settings, string? crashPoint = null, TimeSpan? timeout = null)
    {
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = stateDir,
        };
        info.ArgumentList.Add(CoordinatorDll);
        info.ArgumentList.Add("serve");
        info.ArgumentList.Add("--urls");
        info.ArgumentList.Add(string.Create(CultureInfo.InvariantCulture, $"http://127.0.0.1:{port}"));
        info.ArgumentList.Add("--out");
        info.ArgumentList.Add(stateDir);
        var all = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase)
        {
            ["Security:AllowInsecureLoopback"] = "true",
            ["Logging:LogLevel:Default"] = "Warning",
            ["Logging:LogLevel:Microsoft.Hosting.Lifetime"] = "Information",
            ["Logging:Console:FormatterName"] = "simple",
        };
        foreach (var (k, v) in settings)
        {
            all[k] = v;
        }
        foreach (var (k, v) in all)
        {
            info.ArgumentList.Add($"--{k}={v}");
        }
        info.Environment["DOTNET_NOLOGO"] = "1";
        info.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        if (crashPoint is not null)
        {
            info.Environment["FEDERATED_CRASH_POINT"] = crashPoint;
        }
        else
        {
            info.Environment.Remove("FEDERATED_CRASH_POINT");
        }
        var process = Process.Start(info) ?? throw new InvalidOperationException("could not start the coordinator");
        var coordinator = new CoordinatorProcess(process);
        process.OutputDataReceived += (_, e) => coordinator.OnLine(e.Data);
        process.ErrorDataReceived += (_, e) => coordinator.OnLine(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        string line = await coordinator.WaitForLineAsync(l => l.Contains("Now listening on:", StringComparison.Ordinal), timeout ?? TimeSpan.FromSeconds(60));
        coordinator.Address = new Uri(ListeningPattern().Match(line).Groups[1].Value);
        return coordinator;
    }

    /// <summary>Waits for a line matching <paramref name="match"/>; fails with the output when the process exits or the time runs out.</summary>
    public async Task<string> WaitForLineAsync(Func<string, bool> match, TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await foreach (var line in _lines.Reader.ReadAllAsync(cts.Token))
            {
                if (match(line))
                {
                    return line;
                }
            }
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"no matching line within {timeout}; output:\n{Output}");
        }
        throw new InvalidOperationException($"the coordinator exited ({(_process.HasExited ? _process.ExitCode : -1)}) before the line; output:\n{Output}");
    }

    /// <summary>SIGKILL, then wait until the process is gone.</summary>
    public async Task KillAsync()
    {
        _process.Kill(entireProcessTree: false);
        await _process.WaitForExitAsync();
    }

    /// <summary>Waits for a normal exit.</summary>
    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"the coordinator did not exit within {timeout}; output:\n{Output}");
        }
        return _process.ExitCode;
    }

    /// <summary>Peak resident memory (VmHWM) and current resident memory (VmRSS) in bytes, from /proc.</summary>
    public (long Peak, long Current) Memory()
    {
        long Read(string key)
        {
            foreach (var line in File.ReadLines($"/proc/{_process.Id}/status"))
            {
                if (line.StartsWith(key, StringComparison.Ordinal))
                {
                    return long.Parse(line[key.Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture) * 1024;
                }
            }
            return 0;
        }
        return (Read("VmHWM:"), Read("VmRSS:"));
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
            await _process.WaitForExitAsync();
        }
        _process.Dispose();
    }

    private void OnLine(string? line)
    {
        if (line is null)
        {
            if (_process.HasExited)
            {
                _lines.Writer.TryComplete();
            }
            return;
        }
        lock (_log)
        {
            _log.Add(line);
        }
        _lines.Writer.TryWrite(line);
    }

    [GeneratedRegex(@"Now listening on: (\S+)")]
    private static partial Regex ListeningPattern();
}
