# Answers every request on 127.0.0.1:$PORT with "hello from <process name>" until it is stopped.
$listener = [System.Net.HttpListener]::new()
$listener.Prefixes.Add("http://127.0.0.1:$env:PORT/")
$listener.Start()
Write-Host "listening on $env:PORT"
while ($true) {
    $context = $listener.GetContext()
    $body = [System.Text.Encoding]::UTF8.GetBytes("hello from $env:FORMATION_PROCESS")
    $context.Response.ContentType = 'text/plain; charset=utf-8'
    $context.Response.OutputStream.Write($body, 0, $body.Length)
    $context.Response.Close()
}
