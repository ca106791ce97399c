using System.Reflection;
using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;

namespace Synomaly.Infra.Tests;

/// <summary>
/// The configuration keys an app binds, read from its built assembly without loading it (the GPU worker's dependencies,
/// TorchSharp among them, stay out of this test project): every class in an <c>*.Options</c> namespace with a
/// <c>const string Section</c> or <c>SectionName</c> binds <c>{Section}__{Property}</c> for each property with a public setter.
/// </summary>
internal static class BoundOptions
{
    public static IReadOnlySet<string> Read(string assemblyPath)
    {
        using var stream = File.OpenRead(assemblyPath);
        using var pe = new PEReader(stream);
        var reader = pe.GetMetadataReader();
        var keys = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (handle, section) in Sections(reader))
        {
            foreach (var property in reader.GetTypeDefinition(handle).GetProperties().Select(reader.GetPropertyDefinition))
            {
                var setter = property.GetAccessors().Setter;
                if (!setter.IsNil && (reader.GetMethodDefinition(setter).Attributes & MethodAttributes.MemberAccessMask) == MethodAttributes.Public)
                {
                    keys.Add($"{section}__{reader.GetString(property.Name)}");
                }
            }
        }

        return keys;
    }

    /// <summary>The options classes of an assembly and the section each binds.</summary>
    public static Dictionary<TypeDefinitionHandle, string> Sections(MetadataReader reader)
    {
        var sections = new Dictionary<TypeDefinitionHandle, string>();
        foreach (var handle in reader.TypeDefinitions)
        {
            var type = reader.GetTypeDefinition(handle);
            if (reader.GetString(type.Namespace).EndsWith(".Options", StringComparison.Ordinal) && SectionOf(reader, type) is { } section)
            {
                sections[handle] = section;
            }
        }

        return sections;
    }

    private static string? SectionOf(MetadataReader reader, TypeDefinition type)
    {
        foreach (var field in type.GetFields().Select(reader.GetFieldDefinition))
        {
            var name = reader.GetString(field.Name);
            if ((name == "Section" || name == "SectionName") && !field.GetDefaultValue().IsNil)
            {
                var blob = reader.GetBlobReader(reader.GetConstant(field.GetDefaultValue()).Value);
                return blob.ReadUTF16(blob.Length);
            }
        }

        return null;
    }
}
