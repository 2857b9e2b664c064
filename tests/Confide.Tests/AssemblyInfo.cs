using Confide.Tests.Infrastructure;

[assembly: AssemblyFixture(typeof(Servers))]
