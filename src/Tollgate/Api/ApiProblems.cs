using Tollgate.Core.Pricing;
using Tollgate.Core.Usage.Queries;

namespace Tollgate.Api;

/// <summary>The API's errors, as RFC 7807 problem details; a bad parameter names itself in <c>parameter</c>.</summary>
internal static class ApiProblems
{
    public static IResult BadParameter(string parameter, string detail) => Results.Problem(
        statusCode: StatusCodes.Status400BadRequest,
        title: $"Invalid parameter '{parameter}'",
        detail: detail,
        extensions: new Dictionary<string, object?> { ["parameter"] = parameter });

    public static IResult Forbidden(string detail) => Results.Problem(statusCode: StatusCodes.Status403Forbidden, title: "Forbidden", detail: detail);

    public static IResult NotFound(string detail) => Results.Problem(statusCode: StatusCodes.Status404NotFound, title: "Not found", detail: detail);

    /// <summary>Turns the query and edit errors of the layers below into 400s naming the parameter.</summary>
    public static async ValueTask<object?> FilterAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        try
        {
            return await next(context);
        }
        catch (QueryParameterException e)
        {
            return BadParameter(e.Parameter, e.Message);
        }
        catch (PriceEditException e)
        {
            return BadParameter(e.Field, e.Message);
        }
        catch (BadHttpRequestException e) when (e.InnerException is System.Text.Json.JsonException json)
        {
            return BadParameter("body", $"the body is not valid JSON: {json.Message}");
        }
        catch (BadHttpRequestException e)
        {
            return BadParameter("body", e.Message);
        }
    }
}
