using System.Text.Json;

namespace Synomaly.Infra.Tests;

/// <summary>bicepconfig.json keeps every linter rule at error level, except the two that depend on today's date.</summary>
public sealed class LintConfigurationTests
{
    // These compare API and module versions with what is newest on the day of the build: a build that passes today
    // would fail later without any change. API versions are pinned on purpose and reviewed by hand.
    private static readonly string[] DateDependentRules = ["use-recent-api-versions", "use-recent-module-versions"];

    [Fact]
    public void Every_linter_rule_is_an_error_except_the_date_dependent_ones()
    {
        using var config = JsonDocument.Parse(File.ReadAllText(Path.Combine(InfraFiles.InfraDirectory, "bicepconfig.json")));
        var core = config.RootElement.GetProperty("analyzers").GetProperty("core");
        var rules = core.GetProperty("rules").EnumerateObject().ToDictionary(r => r.Name, r => r.Value.GetProperty("level").GetString());

        Assert.True(core.GetProperty("enabled").GetBoolean());
        Assert.True(rules.Count >= 30, $"Only {rules.Count} rules are configured.");
        Assert.All(rules, rule => Assert.Equal(DateDependentRules.Contains(rule.Key) ? "off" : "error", rule.Value));
        Assert.All(DateDependentRules, rule => Assert.Contains(rule, rules.Keys));
        Assert.All(new[] { "outputs-should-not-contain-secrets", "no-hardcoded-env-urls", "use-secure-value-for-secure-inputs" },
            rule => Assert.Contains(rule, rules.Keys));
    }
}
