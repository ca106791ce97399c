using System.Reflection.Metadata;
using System.Reflection.Metadata.Ecma335;
using System.Reflection.PortableExecutable;
using System.Text.RegularExpressions;

namespace Synomaly.Infra.Tests;

/// <summary>
/// The numeric ranges an app enforces on its settings at start-up, read from its built assembly without loading it (as
/// <see cref="BoundOptions"/> reads the keys): <c>[Range(min, max)]</c> on the properties of the options classes
/// (<c>{Section}__{Property}</c>), and the validators' messages "<c>Section__Property must be between min and max</c>".
/// </summary>
internal static partial class ValidatedRanges
{
    public static IReadOnlyDictionary<string, (double Min, double Max)> Read(string assemblyPath)
    {
        using var stream = File.OpenRead(assemblyPath);
        using var pe = new PEReader(stream);
        var reader = pe.GetMetadataReader();
        var ranges = new Dictionary<string, (double Min, double Max)>(StringComparer.Ordinal);
        ReadRangeAttributes(reader, ranges);
        ReadValidatorMessages(reader, ranges);
        return ranges;
    }

    private static void ReadRangeAttributes(MetadataReader reader, Dictionary<string, (double Min, double Max)> ranges)
    {
        var options = BoundOptions.Sections(reader);
        foreach (var handle in reader.CustomAttributes)
        {
            var attribute = reader.GetCustomAttribute(handle);
            if (attribute.Parent.Kind != HandleKind.PropertyDefinition || AttributeTypeName(reader, attribute) != "RangeAttribute")
            {
                continue;
            }

            var property = reader.GetPropertyDefinition((PropertyDefinitionHandle)attribute.Parent);
            var declaringType = reader.GetMethodDefinition(property.GetAccessors().Getter).GetDeclaringType();
            if (!options.TryGetValue(declaringType, out var section))
            {
                continue;
            }

            // Range(int, int) and Range(double, double); Range(Type, string, string) is not used for numbers here.
            var arguments = attribute.DecodeValue(new PrimitiveArguments()).FixedArguments;
            if (arguments is [{ Value: int or double } min, { Value: int or double } max])
            {
                ranges[$"{section}__{reader.GetString(property.Name)}"] = (Convert.ToDouble(min.Value), Convert.ToDouble(max.Value));
            }
        }
    }

    private static void ReadValidatorMessages(MetadataReader reader, Dictionary<string, (double Min, double Max)> ranges)
    {
        var handle = MetadataTokens.UserStringHandle(1);
        while (!handle.IsNil)
        {
            if (ValidatorMessage().Match(reader.GetUserString(handle)) is { Success: true } match)
            {
                ranges[match.Groups["key"].Value] = (double.Parse(match.Groups["min"].Value, System.Globalization.CultureInfo.InvariantCulture),
                    double.Parse(match.Groups["max"].Value, System.Globalization.CultureInfo.InvariantCulture));
            }

            handle = reader.GetNextHandle(handle);
        }
    }

    private static string AttributeTypeName(MetadataReader reader, CustomAttribute attribute) => attribute.Constructor.Kind switch
    {
        HandleKind.MemberReference when reader.GetMemberReference((MemberReferenceHandle)attribute.Constructor).Parent is { Kind: HandleKind.TypeReference } parent
            => reader.GetString(reader.GetTypeReference((TypeReferenceHandle)parent).Name),
        HandleKind.MethodDefinition
            => reader.GetString(reader.GetTypeDefinition(reader.GetMethodDefinition((MethodDefinitionHandle)attribute.Constructor).GetDeclaringType()).Name),
        _ => "",
    };

    [GeneratedRegex(@"^(?<key>\w+__\w+) must be between (?<min>\d+) and (?<max>\d+)")]
    private static partial Regex ValidatorMessage();

    /// <summary>Decodes attribute arguments of primitive types; any other type is named but its value is not needed.</summary>
    private sealed class PrimitiveArguments : ICustomAttributeTypeProvider<Type>
    {
        public Type GetPrimitiveType(PrimitiveTypeCode typeCode) => typeCode switch
        {
            PrimitiveTypeCode.Int32 => typeof(int),
            PrimitiveTypeCode.Int64 => typeof(long),
            PrimitiveTypeCode.Double => typeof(double),
            PrimitiveTypeCode.String => typeof(string),
            PrimitiveTypeCode.Boolean => typeof(bool),
            _ => typeof(object),
        };

        public Type GetSystemType() => typeof(Type);

        public Type GetSZArrayType(Type elementType) => elementType.MakeArrayType();

        public Type GetTypeFromDefinition(MetadataReader reader, TypeDefinitionHandle handle, byte rawTypeKind) => typeof(object);

        public Type GetTypeFromReference(MetadataReader reader, TypeReferenceHandle handle, byte rawTypeKind) => typeof(object);

        public Type GetTypeFromSerializedName(string name) => typeof(object);

        public PrimitiveTypeCode GetUnderlyingEnumType(Type type) => PrimitiveTypeCode.Int32;

        public bool IsSystemType(Type type) => type == typeof(Type);
    }
}
