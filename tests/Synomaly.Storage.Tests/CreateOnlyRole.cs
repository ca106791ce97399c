using System.Diagnostics.CodeAnalysis;
using Azure;
using Azure.Core;
using Azure.Core.Pipeline;

namespace Synomaly.Storage.Tests;

/// <summary>
/// Azure Storage as a principal sees it whose role may create blobs but not write them (blobs/add/action, blob write
/// refused by a role assignment condition, as the Functions app holds on <c>keys</c>): a create that meets a blob that
/// exists is refused 403 AuthorizationPermissionMismatch, where Azurite, which checks no roles, answers 409 or 412.
/// <c>beforeFirstCreate</c> runs once, just before the first create of the blob named <c>blobName</c> goes out: another
/// instance creating that blob a moment before.
/// </summary>
internal sealed class CreateOnlyRole(string blobName, Func<Task> beforeFirstCreate) : HttpPipelinePolicy
{
    private int creates;

    public override void Process(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline) =>
        throw new NotSupportedException("The SDK's async calls only.");

    public override async ValueTask ProcessAsync(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
    {
        var isPut = message.Request.Method == RequestMethod.Put;
        if (isPut && message.Request.Uri.Path.EndsWith("/" + blobName, StringComparison.Ordinal) && Interlocked.Increment(ref creates) == 1)
        {
            await beforeFirstCreate();
        }

        await ProcessNextAsync(message, pipeline);
        if (isPut && message.Response.Status is 409 or 412)
        {
            message.Response = new PermissionMismatchResponse(message.Request.ClientRequestId);
        }
    }

    /// <summary>Storage's answer to an action the caller's roles do not grant: 403 AuthorizationPermissionMismatch, no body.</summary>
    private sealed class PermissionMismatchResponse(string clientRequestId) : Response
    {
        private const string ErrorCode = "AuthorizationPermissionMismatch";

        public override int Status => 403;

        public override string ReasonPhrase => "This request is not authorized to perform this operation using this permission.";

        public override Stream? ContentStream { get; set; }

        public override string ClientRequestId { get; set; } = clientRequestId;

        public override void Dispose()
        {
        }

        protected override bool TryGetHeader(string name, [NotNullWhen(true)] out string? value)
        {
            value = name == "x-ms-error-code" ? ErrorCode : null;
            return value is not null;
        }

        protected override bool TryGetHeaderValues(string name, [NotNullWhen(true)] out IEnumerable<string>? values)
        {
            values = TryGetHeader(name, out var value) ? [value] : null;
            return values is not null;
        }

        protected override bool ContainsHeader(string name) => TryGetHeader(name, out _);

        protected override IEnumerable<HttpHeader> EnumerateHeaders() => [new HttpHeader("x-ms-error-code", ErrorCode)];
    }
}
