using System.Text.Json;
using System.Text.Json.Serialization;

namespace Synomaly.Evaluation;

/// <summary>
/// Writes a non-finite metric (NaN: undefined, such as false alarms without healthy cases or a size bin without cases) as
/// JSON null. JSON has no NaN; written as the string "NaN" it turned a numeric column into text for whoever loaded the
/// file (pandas, R, a spreadsheet), and null is what those read as a missing value. Reads null back as NaN.
/// </summary>
internal sealed class UndefinedAsNull : JsonConverter<double>
{
    public override bool HandleNull => true;

    public override double Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        reader.TokenType == JsonTokenType.Null ? double.NaN : reader.GetDouble();

    public override void Write(Utf8JsonWriter writer, double value, JsonSerializerOptions options)
    {
        if (double.IsFinite(value))
        {
            writer.WriteNumberValue(value);
        }
        else
        {
            writer.WriteNullValue();
        }
    }
}
