namespace Confide.Data.Jobs;

/// <summary>The registered handlers by kind; a kind registered twice stops the process at start.</summary>
internal sealed class JobHandlers
{
    private readonly Dictionary<string, IJobHandler> _byKind = new(StringComparer.Ordinal);

    public JobHandlers(IEnumerable<IJobHandler> handlers)
    {
        foreach (var handler in handlers)
        {
            if (!_byKind.TryAdd(handler.Kind, handler))
            {
                throw new InvalidOperationException($"Two job handlers are registered for the kind '{handler.Kind}'.");
            }
        }

        Kinds = [.. _byKind.Keys];
    }

    /// <summary>The kinds this process can run; the runner claims only these, so a job of a kind an older process lacks waits for one that has it.</summary>
    public IReadOnlyList<string> Kinds { get; }

    public IJobHandler Get(string kind) => _byKind[kind];
}
