using System.Text.RegularExpressions;
using Synomaly.Testing;

namespace Synomaly.Infra.Tests;

/// <summary>
/// docs/DEPLOY.md's teardown deletes the resource group. What the templates create outside it (a custom role definition
/// belongs to the subscription, whatever its assignable scope) needs a step of its own, or it stays behind orphaned.
/// </summary>
public sealed partial class TeardownTests
{
    /// <summary>The output that holds each custom role's id, by the role's name without its per-resource-group suffix.</summary>
    private static readonly Dictionary<string, string> RoleIdOutputs = new()
    {
        ["Synomaly blob eraser"] = "BLOB_ERASER_ROLE_DEFINITION_ID",
        ["Synomaly blob writer"] = "BLOB_WRITER_ROLE_DEFINITION_ID",
    };

    [Theory]
    [MemberData(nameof(InfraFiles.ParameterFileData), MemberType = typeof(InfraFiles))]
    public void Every_custom_role_the_templates_define_has_a_delete_step_in_the_teardown(string parameterFile)
    {
        var teardown = TeardownSection();
        var roles = PredictedDeployment.Load(parameterFile).OfType("Microsoft.Authorization/roleDefinitions");

        Assert.NotEmpty(roles);
        Assert.All(roles, role => Assert.Contains(RoleLabel(role), teardown, StringComparison.Ordinal));
    }

    [Theory]
    [MemberData(nameof(InfraFiles.ParameterFileData), MemberType = typeof(InfraFiles))]
    public void The_deployment_outputs_each_custom_role_s_id_at_the_subscription(string parameterFile)
    {
        var deployment = PredictedDeployment.Load(parameterFile);
        var roles = deployment.OfType("Microsoft.Authorization/roleDefinitions");

        Assert.Equal(RoleIdOutputs.Keys.Order(StringComparer.Ordinal), roles.Select(RoleLabel).Order(StringComparer.Ordinal));
        Assert.All(roles, role =>
        {
            var name = RoleIdOutputs[RoleLabel(role)];
            Assert.True(deployment.Outputs.TryGetValue(name, out var output), $"main.bicep has no output {name}.");
            Assert.Equal($"/subscriptions/{Guid.Empty}/providers/Microsoft.Authorization/roleDefinitions/{role.Name}", output.GetString());
        });
    }

    [Fact]
    public void The_teardown_notes_the_roles_ids_before_the_group_goes_and_deletes_each_by_its_id_afterwards()
    {
        // The roles are assignable in the group only: az role definition list and delete by name search the subscription's
        // assignable roles and find nothing (the delete then does nothing, silently). Azure refuses to delete a role that
        // is still assigned, and its assignments go with the group, so the ids are noted first and the roles deleted after.
        var commands = CodeLines(TeardownSection());
        var noted = commands.FindIndex(c => c.StartsWith("ROLE_IDS=", StringComparison.Ordinal) && RoleIdOutputs.Values.All(o => c.Contains(o, StringComparison.Ordinal)));
        var groupDeleted = commands.FindIndex(c => c.StartsWith("azd down", StringComparison.Ordinal) || c.StartsWith("az group delete", StringComparison.Ordinal));
        var rolesDeleted = commands.FindIndex(c => c.StartsWith("for ROLE_ID in $ROLE_IDS", StringComparison.Ordinal) && c.Contains("az rest --method delete --url \"${ROLE_ID}", StringComparison.Ordinal));

        Assert.True(noted >= 0, $"The teardown does not note {string.Join(" and ", RoleIdOutputs.Values)} in ROLE_IDS.");
        Assert.True(groupDeleted >= 0, "The teardown does not delete the resource group.");
        Assert.True(rolesDeleted >= 0, "The teardown does not delete each role by its id (for ROLE_ID in $ROLE_IDS; do az rest --method delete ...).");
        Assert.InRange(groupDeleted, noted + 1, rolesDeleted - 1);
        Assert.DoesNotContain(commands, c => RoleDefinitionCommandWithoutScope().IsMatch(c));
    }

    /// <summary>The role's name without the suffix derived from the resource group's id, which the docs cannot know.</summary>
    private static string RoleLabel(PredictedResource role)
    {
        var roleName = role.String("properties.roleName");
        return roleName[..roleName.LastIndexOf(' ')];
    }

    /// <summary>The commands of the section's code blocks, comments and blank lines left out.</summary>
    private static List<string> CodeLines(string section)
    {
        var lines = new List<string>();
        var inCode = false;
        foreach (var line in section.Split('\n').Select(l => l.Trim()))
        {
            if (line.StartsWith("```", StringComparison.Ordinal))
            {
                inCode = !inCode;
            }
            else if (inCode && line.Length > 0 && !line.StartsWith('#'))
            {
                lines.Add(line);
            }
        }

        return lines;
    }

    private static string TeardownSection()
    {
        var deploy = File.ReadAllText(Path.Combine(TestPaths.RepositoryRoot, "docs", "DEPLOY.md"));
        var start = deploy.IndexOf("\n## Teardown", StringComparison.Ordinal);
        Assert.True(start >= 0, "docs/DEPLOY.md has no Teardown section.");
        var end = deploy.IndexOf("\n## ", start + 1, StringComparison.Ordinal);
        return end < 0 ? deploy[start..] : deploy[start..end];
    }

    /// <summary>az role definition list or delete without --scope: it looks at the subscription only.</summary>
    [GeneratedRegex(@"^az role definition (list|delete)\b(?!.*--scope)")]
    private static partial Regex RoleDefinitionCommandWithoutScope();
}
