using System.Collections.Concurrent;
using Confide.Platform;

namespace Confide.Audit;

/// <summary>Workspaces whose log may have grown since their last checkpoint, in this process.</summary>
public sealed class PendingCheckpoints
{
    private readonly ConcurrentDictionary<(Region Region, string WorkspaceId), byte> _pending = new();

    public void Add(Region region, string workspaceId) => _pending.TryAdd((region, workspaceId), 0);

    public List<(Region Region, string WorkspaceId)> Drain()
    {
        var drained = new List<(Region, string)>();
        foreach (var key in _pending.Keys)
        {
            if (_pending.TryRemove(key, out _))
            {
                drained.Add(key);
            }
        }

        return drained;
    }
}
