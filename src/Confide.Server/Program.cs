using Confide.Server.Cli;

return await ConfideCommandLine.Create().Parse(args).InvokeAsync();
