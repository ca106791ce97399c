using System.Reflection;
using System.Reflection.Emit;

namespace Synomaly.Cli.Tests;

/// <summary>
/// <see cref="StandardError"/> swaps the process-wide Console.Error and Spectre.Console allows one live display per process,
/// so a test class that runs a command or writes to the console in parallel with a capturing test puts its output into that
/// test's capture (tune and evaluate compare captured stderr exactly). Such classes must all be in
/// <see cref="ConsoleDisplayCollection"/>, or in a collection that runs alone (<c>DisableParallelization</c>, after every
/// parallel test); this finds them from their IL, so a new one cannot be forgotten.
/// </summary>
public sealed class ConsoleCollectionMembershipTests
{
    private static readonly Dictionary<short, OpCode> OpCodesByValue = typeof(OpCodes)
        .GetFields(BindingFlags.Public | BindingFlags.Static)
        .Select(field => (OpCode)field.GetValue(null)!)
        .ToDictionary(code => code.Value);

    [Fact]
    public void Every_test_class_that_runs_a_command_or_writes_to_the_console_is_in_the_serial_collection()
    {
        var outside = typeof(ConsoleCollectionMembershipTests).Assembly.GetTypes()
            .Where(type => type is { IsPublic: true, IsClass: true } && type.GetMethods().Any(IsTest))
            .Where(type => !InConsoleCollection(type) && !RunsAlone(type) && CalledMethods(type).Any(UsesTheConsole))
            .Select(type => type.Name)
            .Order(StringComparer.Ordinal)
            .ToList();

        Assert.True(outside.Count == 0, $"Not in [Collection(ConsoleDisplayCollection.Name)] but run a command or write to the console: {string.Join(", ", outside)}");
    }

    private static bool IsTest(MethodInfo method) => method.IsDefined(typeof(FactAttribute), inherit: true);

    private static bool InConsoleCollection(Type type) => type.GetCustomAttributesData()
        .Any(a => a.AttributeType == typeof(CollectionAttribute) && a.ConstructorArguments is [{ Value: ConsoleDisplayCollection.Name }]);

    /// <summary>Whether the class's collection is defined with DisableParallelization: it then runs with no other test beside it.</summary>
    private static bool RunsAlone(Type type)
    {
        var name = type.GetCustomAttributesData()
            .Where(a => a.AttributeType == typeof(CollectionAttribute) && a.ConstructorArguments is [{ Value: string }])
            .Select(a => (string)a.ConstructorArguments[0].Value!)
            .FirstOrDefault();
        return name is not null && type.Assembly.GetTypes()
            .SelectMany(t => t.GetCustomAttributes<CollectionDefinitionAttribute>())
            .Any(definition => definition.Name == name && definition.DisableParallelization);
    }

    /// <summary>Commands write to the console (tables, progress, errors); so do the console APIs and the capturing helper.</summary>
    private static bool UsesTheConsole(MethodBase method) => method.DeclaringType is { } type && (
        type == typeof(Console) || type == typeof(Spectre.Console.AnsiConsole) || type == typeof(StandardError)
        || type == typeof(SynomalyCommand) || type == typeof(CommandRunner) || type.Namespace == "Synomaly.Cli.Commands");

    /// <summary>Every method called from the class's own code, its lambdas and its async state machines (nested types) included.</summary>
    private static IEnumerable<MethodBase> CalledMethods(Type type)
    {
        const BindingFlags all = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;
        var methods = type.GetMethods(all).Cast<MethodBase>().Concat(type.GetConstructors(all));
        return methods.SelectMany(CallsIn).Concat(type.GetNestedTypes(all).SelectMany(CalledMethods));
    }

    private static IEnumerable<MethodBase> CallsIn(MethodBase method)
    {
        byte[] il = method.GetMethodBody()?.GetILAsByteArray() ?? [];
        for (int at = 0; at < il.Length;)
        {
            short value = il[at] == 0xFE ? (short)(0xFE00 | il[at + 1]) : il[at];
            var code = OpCodesByValue[value];
            at += code.Size;
            if (code.OperandType == OperandType.InlineMethod && Resolve(method, BitConverter.ToInt32(il, at)) is { } called)
            {
                yield return called;
            }

            at += code.OperandType switch
            {
                OperandType.InlineNone => 0,
                OperandType.ShortInlineBrTarget or OperandType.ShortInlineI or OperandType.ShortInlineVar => 1,
                OperandType.InlineVar => 2,
                OperandType.InlineI8 or OperandType.InlineR => 8,
                OperandType.InlineSwitch => 4 + (4 * BitConverter.ToInt32(il, at)),
                _ => 4,
            };
        }
    }

    private static MethodBase? Resolve(MethodBase method, int token)
    {
        try
        {
            var typeArguments = method.DeclaringType is { IsGenericType: true } type ? type.GetGenericArguments() : null;
            var methodArguments = method.IsGenericMethod ? method.GetGenericArguments() : null;
            return method.Module.ResolveMethod(token, typeArguments, methodArguments);
        }
        catch (ArgumentException)
        {
            // A call into a generic context this scan does not reconstruct; none of the console APIs is generic.
            return null;
        }
    }
}
