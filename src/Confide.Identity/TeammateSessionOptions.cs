namespace Confide.Identity;

/// <summary>Teammate web sessions (<c>Confide:Sessions</c>): ended after this long without a request, and this long after sign-in whatever happens.</summary>
public sealed class TeammateSessionOptions
{
    public const string Section = "Confide:Sessions";

    /// <summary>Idle timeout, 5 to 720 minutes (default 30).</summary>
    public int IdleMinutes { get; set; } = 30;

    /// <summary>Absolute lifetime, 1 to 72 hours (default 12).</summary>
    public int AbsoluteHours { get; set; } = 12;

    public const int MinimumIdleMinutes = 5;

    public void Validate()
    {
        if (IdleMinutes is < MinimumIdleMinutes or > 720 || AbsoluteHours is < 1 or > 72 || TimeSpan.FromMinutes(IdleMinutes) > TimeSpan.FromHours(AbsoluteHours))
        {
            throw new InvalidOperationException("Confide:Sessions: IdleMinutes must be 5 to 720, AbsoluteHours 1 to 72, and the idle timeout no longer than the lifetime.");
        }
    }
}
