using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Synomaly.Contracts;

namespace Synomaly.Functions.Http;

/// <summary>RFC 9457 problem-details responses, so portals get one error shape for every failure.</summary>
public static class Problems
{
    public static ObjectResult BadRequest(string detail) => Create(StatusCodes.Status400BadRequest, "The request is not valid.", detail);

    /// <summary>400 for an id in the route that cannot be a scan or run id (and so never a table key or blob folder).</summary>
    public static ObjectResult InvalidId(string parameter) => BadRequest($"'{parameter}' must be {BlobLayout.ScanIdRule}.");

    public static ObjectResult NotFound(string detail) => Create(StatusCodes.Status404NotFound, "Not found.", detail);

    /// <summary>409 of <c>DELETE /api/scans/{scanId}</c> that is final until the archive's owner deletes the source.</summary>
    public const string ArchiveHoldsSourceType = "urn:synomaly:problem:archive-holds-source";

    /// <summary>409 of <c>DELETE /api/scans/{scanId}</c> that asks the client to repeat the request.</summary>
    public const string ErasureIncompleteType = "urn:synomaly:problem:erasure-incomplete";

    /// <param name="type">A problem type of this API where one status has answers that call for different actions;
    /// otherwise the status's own page.</param>
    public static ObjectResult Create(int status, string title, string detail, string? type = null)
    {
        var problem = new ProblemDetails { Status = status, Title = title, Detail = detail, Type = type ?? $"https://httpstatuses.io/{status}" };
        var result = new ObjectResult(problem) { StatusCode = status };
        result.ContentTypes.Add("application/problem+json");
        return result;
    }
}
