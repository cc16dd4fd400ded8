# Dot-sourced by build.ps1, tests/Pester/Common.ps1 and bench/pwsh.ps1: how to start a child pwsh.
function Get-PwshCommand {
    <#
    The program and leading arguments that start a child pwsh like this one. A pwsh run as a dotnet tool
    (dotnet pwsh) lives inside dotnet: [Environment]::ProcessPath is dotnet, and pwsh.dll is in $PSHOME.
    #>
    $process = [Environment]::ProcessPath
    $name = [IO.Path]::GetFileNameWithoutExtension($process)
    if ($name -eq 'pwsh') { return , @($process) }
    if ($name -eq 'dotnet') { return , @($process, (Join-Path $PSHOME 'pwsh.dll')) }
    # Hosted elsewhere (an SDK host, a test host): the pwsh of $PSHOME, else the one on PATH.
    $apphost = Join-Path $PSHOME 'pwsh'
    if (Test-Path -LiteralPath $apphost -PathType Leaf) { return , @($apphost) }
    return , @('pwsh')
}
