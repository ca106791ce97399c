using System.Text;
using Synomaly.Storage.Messaging;

namespace Synomaly.Storage.Tests;

public sealed class QueueTriggerTextTests
{
    [Fact]
    public void Text_is_written_as_the_base64_of_its_utf8_bytes_with_no_characters_the_queue_xml_would_need_escaped()
    {
        const string text = "run-ä1/événement";

        string encoded = QueueTriggerText.Encode(text);

        // The queue trigger decodes strict base64, then UTF-8.
        Assert.Equal(text, Encoding.UTF8.GetString(Convert.FromBase64String(encoded)));
        Assert.DoesNotContain(encoded, c => c is '{' or '"' or '<' or '&');
    }
}
