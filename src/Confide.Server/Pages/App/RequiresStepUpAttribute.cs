namespace Confide.Server.Pages.App;

/// <summary>
/// Marks a page handler that needs a fresh authentication (<see cref="Confide.Identity.StepUp"/>):
/// without one the teammate is sent to re-authenticate and then back to the page, which shows
/// what <see cref="Afterwards"/> says (<see cref="StepUpResumption"/>).
/// </summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class RequiresStepUpAttribute : Attribute
{
    public AfterStepUp Afterwards { get; set; } = AfterStepUp.Nothing;
}

/// <summary>What the page shows once the teammate has re-authenticated after a refused POST.</summary>
public enum AfterStepUp
{
    /// <summary>The page as usual (downloads, script requests).</summary>
    Nothing,

    /// <summary>A notice that the change was not applied yet. For forms holding secrets (passwords, codes): they are never kept.</summary>
    Notice,

    /// <summary>The notice, and the form filled with exactly the values submitted. Only for forms without secrets.</summary>
    RefillForm,
}
