using System.Text;
using Formation.Engine.Supervision;

namespace Formation.Engine.Tests.Supervision;

/// <summary>The status line of the <c>http</c> ready probe's one GET (the exchange itself: ReadinessTests).</summary>
public class HttpStatusTests
{
    [Theory]
    [InlineData("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", 200)]
    [InlineData("HTTP/1.0 302 Found\r\n", 302)]
    [InlineData("HTTP/1.1 503\r\n", 503)]
    [InlineData("HTTP/1.1 404 Not Found\n", 404)]
    public void Parse_AStatusLine_GivesItsCode(string response, int code) =>
        Assert.Equal(code, HttpStatus.Parse(Encoding.ASCII.GetBytes(response)));

    [Theory]
    [InlineData("")]
    [InlineData("HTTP/1.1 200 OK")] // no end of line yet: the answer was cut short
    [InlineData("SSH-2.0-OpenSSH_9.2\r\n")]
    [InlineData("HTTP/2 200\r\n")]
    [InlineData("HTTP/1.1 20x OK\r\n")]
    [InlineData("HTTP/1.1 2000 OK\r\n")]
    public void Parse_AnythingElse_GivesNull(string response) =>
        Assert.Null(HttpStatus.Parse(Encoding.ASCII.GetBytes(response)));
}
