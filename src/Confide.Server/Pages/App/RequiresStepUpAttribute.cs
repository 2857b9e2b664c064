namespace Confide.Server.Pages.App;

/// <summary>
/// Marks a page handler that needs a fresh authentication (<see cref="Confide.Identity.StepUp"/>):
/// without one the teammate is sent to re-authenticate and then back to the page.
/// </summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class RequiresStepUpAttribute : Attribute;
