using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Synomaly.Diffusion.Weights;

/// <summary>
/// Writes a float array on one line even in an indented model card: a per-pixel map of 4,096 or 16,384 values would
/// otherwise take as many lines and bury the rest of the card. Reads any JSON array of numbers.
/// </summary>
public sealed class CompactFloatArrayConverter : JsonConverter<float[]>
{
    public override float[] Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType != JsonTokenType.StartArray)
        {
            throw new JsonException("Expected an array of numbers.");
        }

        var values = new List<float>();
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            values.Add(reader.GetSingle());
        }

        return [.. values];
    }

    public override void Write(Utf8JsonWriter writer, float[] value, JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(value);
        var text = new StringBuilder(value.Length * 6).Append('[');
        for (int i = 0; i < value.Length; i++)
        {
            text.Append(i == 0 ? "" : ",").Append(value[i].ToString("R", CultureInfo.InvariantCulture));
        }

        writer.WriteRawValue(text.Append(']').ToString(), skipInputValidation: false);
    }
}
