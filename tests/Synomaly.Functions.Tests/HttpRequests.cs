using System.Text;
using Microsoft.AspNetCore.Http;

namespace Synomaly.Functions.Tests;

/// <summary>HttpRequests as the ASP.NET Core integration hands them to a function, built on DefaultHttpContext.</summary>
internal static class HttpRequests
{
    /// <summary>A request whose body is sent as a form, as <c>curl -d</c> does without a Content-Type.</summary>
    public static HttpRequest Form(string method, string body)
    {
        var request = Create(method, body);
        request.ContentType = "application/x-www-form-urlencoded";
        return request;
    }

    public static HttpRequest Create(string method, string? json = null, string? query = null)
    {
        var context = new DefaultHttpContext();
        context.Request.Method = method;
        if (query is not null)
        {
            context.Request.QueryString = new QueryString(query);
        }

        if (json is not null)
        {
            var bytes = Encoding.UTF8.GetBytes(json);
            context.Request.Body = new MemoryStream(bytes);
            context.Request.ContentLength = bytes.Length;
            context.Request.ContentType = "application/json";
        }

        return context.Request;
    }
}
