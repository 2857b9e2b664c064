using Confide.Data.Model;

namespace Confide.Privacy.Requests;

/// <summary>
/// Overdue: open and past its deadline. Due soon: open, not yet overdue, and due within seven
/// days. Completed and refused requests are neither.
/// </summary>
public static class PrivacyRequestDeadlines
{
    public static bool IsOverdue(PrivacyRequest request, DateTimeOffset now) =>
        PrivacyRequestStates.IsOpen(request.State) && request.DeadlineAt < now;

    public static bool IsDueSoon(PrivacyRequest request, DateTimeOffset now) =>
        PrivacyRequestStates.IsOpen(request.State) && request.DeadlineAt >= now && request.DeadlineAt < now + LegalDeadline.DueSoonWindow;
}
