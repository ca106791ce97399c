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
            SetJsonBody(context.Request, Encoding.UTF8.GetBytes(json));
        }

        return context.Request;
    }

    /// <summary>A JSON request whose body is exactly <paramref name="utf8"/> (for bytes a string cannot show, such as a BOM).</summary>
    public static HttpRequest Create(string method, byte[] utf8)
    {
        var request = Create(method);
        SetJsonBody(request, utf8);
        return request;
    }

    /// <summary>
    /// The request as App Service Authentication passes it on for a caller holding <paramref name="roles"/>: a client
    /// principal whose app roles are claims of type <c>roles</c>, as Entra ID puts them in the token.
    /// </summary>
    public static HttpRequest WithRoles(this HttpRequest request, params string[] roles)
    {
        var claims = string.Join(",", roles.Select(r => $$"""{"typ":"roles","val":"{{r}}"}"""));
        return request.WithPrincipal($$"""{"auth_typ":"aad","claims":[{"typ":"appid","val":"portal"},{{claims}}],"name_typ":"name","role_typ":"http://schemas.microsoft.com/ws/2008/06/identity/claims/role"}""");
    }

    /// <summary>The request with an <c>X-MS-CLIENT-PRINCIPAL</c> header of <paramref name="principalJson"/>, base64 as EasyAuth writes it.</summary>
    public static HttpRequest WithPrincipal(this HttpRequest request, string principalJson)
    {
        request.Headers[Security.ClientPrincipal.HeaderName] = Convert.ToBase64String(Encoding.UTF8.GetBytes(principalJson));
        return request;
    }

    private static void SetJsonBody(HttpRequest request, byte[] bytes)
    {
        request.Body = new MemoryStream(bytes);
        request.ContentLength = bytes.Length;
        request.ContentType = "application/json";
    }
}
