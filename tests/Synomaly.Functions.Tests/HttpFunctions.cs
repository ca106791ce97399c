using System.Reflection;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.DependencyInjection;
using Synomaly.Functions.Triggers;

namespace Synomaly.Functions.Tests;

/// <summary>
/// The app's HTTP functions as the Functions host finds them: the [Function] methods with an [HttpTrigger] parameter,
/// found by reflection, so a test over them covers a function added tomorrow without anyone listing it.
/// </summary>
internal static class HttpFunctions
{
    public static IReadOnlyList<HttpFunction> All { get; } =
    [
        .. typeof(Health).Assembly.GetTypes()
            .SelectMany(t => t.GetMethods(BindingFlags.Public | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly))
            .Select(m => (Method: m, Function: m.GetCustomAttribute<FunctionAttribute>(), Trigger: m.GetParameters().Select(p => p.GetCustomAttribute<HttpTriggerAttribute>()).SingleOrDefault(a => a is not null)))
            .Where(f => f.Function is not null && f.Trigger is not null)
            .Select(f => new HttpFunction(f.Function!.Name, f.Method, f.Trigger!))
            .OrderBy(f => f.Name, StringComparer.Ordinal),
    ];
}

/// <summary>One HTTP function, and a call of it with the request under test.</summary>
internal sealed record HttpFunction(string Name, MethodInfo Method, HttpTriggerAttribute Trigger)
{
    /// <summary>
    /// A route value no function accepts as an id, and a body that is not JSON: a call the role check lets through is
    /// refused with a 400 (or only reads, for the GETs without either), so no call changes anything.
    /// </summary>
    private const string HarmlessRouteValue = "bad id!";

    private const string HarmlessBody = "not json";

    public bool Anonymous => Trigger.AuthLevel == AuthorizationLevel.Anonymous;

    /// <summary>Calls the function as the host would, its class built by the test host's container.</summary>
    /// <param name="decorate">Adds the caller identity under test (or none) to the request.</param>
    public async Task<IActionResult> InvokeAsync(TestHost host, Func<HttpRequest, HttpRequest> decorate)
    {
        var request = decorate(HttpRequests.Create(Trigger.Methods!.Single().ToUpperInvariant(), HarmlessBody));
        var instance = Method.IsStatic ? null : ActivatorUtilities.CreateInstance(host.Services, Method.DeclaringType!);
        var arguments = Method.GetParameters().Select(p => Argument(p, request)).ToArray();
        return Method.Invoke(instance, arguments) switch
        {
            Task<IActionResult> answer => await answer,
            IActionResult answer => answer,
            var other => throw new InvalidOperationException($"{Name} returned {other?.GetType().Name ?? "null"}; the test knows IActionResult and Task<IActionResult>."),
        };
    }

    private object Argument(ParameterInfo parameter, HttpRequest request) => parameter.ParameterType switch
    {
        var t when t == typeof(HttpRequest) => request,
        var t when t == typeof(string) => HarmlessRouteValue,
        var t when t == typeof(CancellationToken) => TestContext.Current.CancellationToken,
        var t => throw new InvalidOperationException($"{Name}: no harmless argument for parameter '{parameter.Name}' of type {t.Name}; teach HttpFunction one."),
    };
}
