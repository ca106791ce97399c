using Synomaly.Testing;

[assembly: AssemblyFixture(typeof(AzuriteFixture))]
