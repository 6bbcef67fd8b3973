// The gateway's forwarding alone, for bench/load/run.sh: Kestrel, YARP and `serve`'s upstream handler, no metering, store or body reading:
//   dotnet bench/load/BarePassThrough/bin/Release/net10.0/BarePassThrough.dll --port P --upstream http://127.0.0.1:UP/v1
// Every request goes to the upstream's origin unchanged (YARP's default transforms); the
// upstream base's path is not prepended because the harness sends /v1/... already.
using System.Net;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Tollgate.Core.Configuration;
using Tollgate.Proxy;
using Yarp.ReverseProxy.Forwarder;

var port = 0;
string? upstream = null;
for (var i = 0; i + 1 < args.Length; i += 2)
{
    switch (args[i])
    {
        case "--port": port = int.Parse(args[i + 1], System.Globalization.CultureInfo.InvariantCulture); break;
        case "--upstream": upstream = args[i + 1]; break;
        default: throw new ArgumentException($"unknown argument {args[i]}");
    }
}

if (port <= 0 || upstream is null)
{
    Console.Error.WriteLine("usage: BarePassThrough --port P --upstream http://127.0.0.1:UP/v1");
    return 2;
}

// As `tollgate serve` does with its default server.inline_io.
Environment.SetEnvironmentVariable("DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS", "1");

var builder = WebApplication.CreateSlimBuilder(args: []);
builder.Logging.ClearProviders();
builder.WebHost.ConfigureKestrel(kestrel =>
{
    kestrel.AddServerHeader = false;
    kestrel.Limits.MaxRequestBodySize = new ServerConfig().MaxRequestBodyBytes; // serve's default
    kestrel.Listen(IPAddress.Loopback, port, listen => listen.Protocols = HttpProtocols.Http1);
});
builder.WebHost.UseSockets(o => o.UnsafePreferInlineScheduling = true);
builder.Services.AddHttpForwarder();

var app = builder.Build();
var origin = new Uri(upstream).GetLeftPart(UriPartial.Authority) + "/";
var client = new HttpMessageInvoker(UpstreamClients.CreateHandler(), disposeHandler: true); // the handler every upstream of `serve` gets
var forwarder = app.Services.GetRequiredService<IHttpForwarder>();
app.Map("/{**rest}", async context => await forwarder.SendAsync(context, origin, client));
app.Run();
return 0;
