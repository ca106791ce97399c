using Synomaly.Testing;

namespace Synomaly.Infra.Tests;

/// <summary>
/// docs/DEPLOY.md's teardown deletes the resource group. What the templates create outside it (a custom role definition
/// belongs to the subscription, whatever its assignable scope) needs a step of its own, or it stays behind orphaned.
/// </summary>
public sealed class TeardownTests
{
    [Theory]
    [MemberData(nameof(InfraFiles.ParameterFileData), MemberType = typeof(InfraFiles))]
    public void Every_custom_role_the_templates_define_has_a_delete_step_in_the_teardown(string parameterFile)
    {
        var teardown = TeardownSection();
        var roles = PredictedDeployment.Load(parameterFile).OfType("Microsoft.Authorization/roleDefinitions");

        Assert.NotEmpty(roles);
        Assert.Contains("az role definition delete", teardown, StringComparison.Ordinal);
        Assert.All(roles, role =>
        {
            // The name ends in a suffix derived from the resource group's id, which the docs cannot know.
            var roleName = role.String("properties.roleName");
            Assert.Contains(roleName[..roleName.LastIndexOf(' ')], teardown, StringComparison.Ordinal);
        });
    }

    private static string TeardownSection()
    {
        var deploy = File.ReadAllText(Path.Combine(TestPaths.RepositoryRoot, "docs", "DEPLOY.md"));
        var start = deploy.IndexOf("\n## Teardown", StringComparison.Ordinal);
        Assert.True(start >= 0, "docs/DEPLOY.md has no Teardown section.");
        var end = deploy.IndexOf("\n## ", start + 1, StringComparison.Ordinal);
        return end < 0 ? deploy[start..] : deploy[start..end];
    }
}
