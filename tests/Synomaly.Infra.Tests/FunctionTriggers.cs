using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;

namespace Synomaly.Infra.Tests;

/// <summary>
/// The functions of the Functions app by trigger, read from its built assembly's metadata without loading it: every
/// method with <c>[Function(name)]</c> one of whose parameters carries the trigger attribute (for example TimerTriggerAttribute).
/// </summary>
internal static class FunctionTriggers
{
    public static IReadOnlySet<string> Read(string assemblyPath, string triggerAttribute)
    {
        using var stream = File.OpenRead(assemblyPath);
        using var pe = new PEReader(stream);
        var reader = pe.GetMetadataReader();
        var functions = new HashSet<string>(StringComparer.Ordinal);
        foreach (var method in reader.MethodDefinitions.Select(reader.GetMethodDefinition))
        {
            var function = method.GetCustomAttributes().Select(reader.GetCustomAttribute)
                .Where(a => AttributeName(reader, a) == "FunctionAttribute").Select(a => FirstStringArgument(reader, a)).FirstOrDefault();
            var triggered = method.GetParameters().Select(reader.GetParameter)
                .Any(p => p.GetCustomAttributes().Any(a => AttributeName(reader, reader.GetCustomAttribute(a)) == triggerAttribute));
            if (function is not null && triggered)
            {
                functions.Add(function);
            }
        }

        return functions;
    }

    private static string AttributeName(MetadataReader reader, CustomAttribute attribute)
    {
        var type = attribute.Constructor.Kind switch
        {
            HandleKind.MemberReference => reader.GetMemberReference((MemberReferenceHandle)attribute.Constructor).Parent,
            HandleKind.MethodDefinition => (EntityHandle)reader.GetMethodDefinition((MethodDefinitionHandle)attribute.Constructor).GetDeclaringType(),
            _ => default,
        };
        return type.Kind switch
        {
            HandleKind.TypeReference => reader.GetString(reader.GetTypeReference((TypeReferenceHandle)type).Name),
            HandleKind.TypeDefinition => reader.GetString(reader.GetTypeDefinition((TypeDefinitionHandle)type).Name),
            _ => string.Empty,
        };
    }

    /// <summary>The attribute's first constructor argument, a string (the blob: prolog 0x0001, then a SerString).</summary>
    private static string? FirstStringArgument(MetadataReader reader, CustomAttribute attribute)
    {
        var blob = reader.GetBlobReader(attribute.Value);
        return blob.ReadUInt16() == 1 ? blob.ReadSerializedString() : null;
    }
}
