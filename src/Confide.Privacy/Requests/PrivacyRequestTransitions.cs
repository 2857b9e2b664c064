using Confide.Data.Model;
using Confide.Platform;

namespace Confide.Privacy.Requests;

/// <summary>
/// The state machine: <c>received → verifying → in_progress → completed</c>, and <c>refused</c>
/// (with a reason) from any open state. Completed and refused are final.
/// </summary>
public static class PrivacyRequestTransitions
{
    public const string Verify = "verify";
    public const string Start = "start";
    public const string Complete = "complete";
    public const string Refuse = "refuse";

    public static IReadOnlyList<string> All { get; } = [Verify, Start, Complete, Refuse];

    /// <summary>The state <paramref name="action"/> leads to from <paramref name="from"/>; a 409 naming both when it may not.</summary>
    public static string Next(string from, string action)
    {
        if (!CanApply(from, action))
        {
            throw new ConfideException(ConfideError.Conflict($"A privacy request in state '{from}' cannot {action}: {Allowed(from)}"));
        }

        return action switch
        {
            Verify => PrivacyRequestStates.Verifying,
            Start => PrivacyRequestStates.InProgress,
            Complete => PrivacyRequestStates.Completed,
            _ => PrivacyRequestStates.Refused,
        };
    }

    /// <summary>What may happen next, for the 409 message.</summary>
    public static string Allowed(string from) => from switch
    {
        PrivacyRequestStates.Received => "from received it can be verified (verify) or refused (refuse)",
        PrivacyRequestStates.Verifying => "from verifying it can be started (start) or refused (refuse)",
        PrivacyRequestStates.InProgress => "from in_progress it can be completed (complete) or refused (refuse)",
        _ => $"{from} is final",
    };

    /// <summary>Whether <paramref name="action"/> applies in state <paramref name="from"/> (also what the page offers).</summary>
    public static bool CanApply(string from, string action) => (action, from) switch
    {
        (Verify, PrivacyRequestStates.Received) => true,
        (Start, PrivacyRequestStates.Verifying) => true,
        (Complete, PrivacyRequestStates.InProgress) => true,
        (Refuse, _) => PrivacyRequestStates.IsOpen(from),
        _ => false,
    };
}
