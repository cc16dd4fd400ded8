#Requires -Version 7.4
<#
.SYNOPSIS
    Formation against PowerShell's own ways to run 100 background processes, as ratios in one run.
.DESCRIPTION
    Each variant runs in a fresh child pwsh, timed from its first command:
      Formation        Import-Module, then Start-Formation -Scale @{ w = 100 } -WaitReady (w: exec sleep),
                       then Stop-Formation.
      Start-Process    Start-Process sleep x100 (-PassThru), then Stop-Process and wait for the exits.
      Start-ThreadJob  Start-ThreadJob { sleep } x100 (-ThrottleLimit 100) until the 100 sleeps run, then
                       Stop-Job and Remove-Job.
    'ready' is the time until all 100 processes run (Formation: until -WaitReady returns); 'stopped' the
    time until they are all gone. After each variant, the sleeps it started are counted: in the child right
    after the stop ('left after stop'), and again once the child pwsh has exited; any found are killed
    and reported. The variants take turns, -Repeat times; the report gives medians and writes
    bench/results/<date>-pwsh.md.
.EXAMPLE
    dotnet tool restore; dotnet pwsh ./build.ps1 -Configuration Release; dotnet pwsh ./bench/pwsh.ps1
#>
[CmdletBinding(PositionalBinding = $false)]
param(
    [string] $ModulePath = (Join-Path $PSScriptRoot '..' 'out' 'Formation'),
    [int] $Count = 100,
    [int] $Repeat = 3,
    [string] $OutFile = (Join-Path $PSScriptRoot 'results' "$(Get-Date -Format yyyy-MM-dd)-pwsh.md"),
    # Internal: run one variant in this process and write its figures as JSON.
    [ValidateSet('Formation', 'Start-Process', 'Start-ThreadJob')] [string] $Variant
)

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version Latest
# Every sleep the benchmark starts has this argument, so the ones left behind can be found.
$marker = '86413'

function Get-MarkedSleep {
    <# The ids of live (not zombie) processes running 'sleep <marker>'. #>
    foreach ($dir in [IO.Directory]::EnumerateDirectories('/proc')) {
        $id = [IO.Path]::GetFileName($dir)
        if ($id -notmatch '^\d+$') { continue }
        try {
            $cmdline = [IO.File]::ReadAllText("$dir/cmdline")
            if ($cmdline -notmatch "(^|/)sleep\x00$marker\x00") { continue }
            $stat = [IO.File]::ReadAllText("$dir/stat")
            if ($stat.Substring($stat.LastIndexOf(')') + 2, 1) -notin 'Z', 'X') { [int]$id }
        }
        catch [IO.IOException], [UnauthorizedAccessException] { }
    }
}

function Wait-MarkedSleep {
    <# Waits (bounded) until exactly $Expected marked sleeps are alive; polls every 50 ms (a scan of /proc takes CPU from the jobs). #>
    param([int] $Expected, [timespan] $Timeout = [timespan]::FromSeconds(60))
    $deadline = [datetime]::UtcNow + $Timeout
    while (@(Get-MarkedSleep).Count -ne $Expected) {
        if ([datetime]::UtcNow -gt $deadline) { throw "Timed out waiting for $Expected sleeps (found $(@(Get-MarkedSleep).Count))." }
        Start-Sleep -Milliseconds 50
    }
}

function Invoke-Variant {
    <# Runs one variant in this pwsh; returns its figures in seconds. #>
    param([string] $Name)
    $clock = [Diagnostics.Stopwatch]::StartNew()
    $import = 0
    switch ($Name) {
        'Formation' {
            $dir = Join-Path ([IO.Path]::GetTempPath()) "formation-bench-$PID"
            New-Item -ItemType Directory -Force -Path $dir | Out-Null
            Set-Content -LiteralPath (Join-Path $dir 'Procfile') -Value "w: exec sleep $marker`n"
            $clock.Restart()
            Import-Module $ModulePath
            $import = $clock.Elapsed.TotalSeconds
            $f = Start-Formation (Join-Path $dir 'Procfile') -Name bench -Scale @{ w = $Count } -Port 17200 -WaitReady -ErrorAction Stop
            $ready = $clock.Elapsed.TotalSeconds
            $f | Stop-Formation
            $stopped = $clock.Elapsed.TotalSeconds
            $left = @(Get-MarkedSleep).Count
            $f | Remove-Formation
            Remove-Item -LiteralPath $dir -Recurse -Force
        }
        'Start-Process' {
            $processes = foreach ($i in 1..$Count) { Start-Process -FilePath sleep -ArgumentList $marker -PassThru }
            $ready = $clock.Elapsed.TotalSeconds
            $processes | Stop-Process
            $processes | Wait-Process -Timeout 60
            $stopped = $clock.Elapsed.TotalSeconds
            $left = @(Get-MarkedSleep).Count
        }
        'Start-ThreadJob' {
            $jobs = foreach ($i in 1..$Count) { Start-ThreadJob -ThrottleLimit $Count -ScriptBlock { sleep $using:marker } }
            Wait-MarkedSleep -Expected $Count
            $ready = $clock.Elapsed.TotalSeconds
            $jobs | Stop-Job
            $jobs | Remove-Job
            $stopped = $clock.Elapsed.TotalSeconds
            $left = @(Get-MarkedSleep).Count
        }
    }
    [pscustomobject]@{ Variant = $Name; Import = $import; Ready = $ready; Stopped = $stopped; LeftAfterStop = $left }
}

if ($Variant) {
    Invoke-Variant $Variant | ConvertTo-Json -Compress
    exit 0
}

. (Join-Path $PSScriptRoot '..' 'tests' 'Pester' 'Get-PwshCommand.ps1')

function Measure-Variant {
    <# One variant in a fresh child pwsh; then the sleeps it left once the child has gone, which are killed. #>
    param([string] $Name)
    $pwsh = Get-PwshCommand
    $arguments = @($pwsh | Select-Object -Skip 1) + @('-NoProfile', '-NonInteractive', '-File', $PSCommandPath,
        '-Variant', $Name, '-ModulePath', $ModulePath, '-Count', $Count)
    $output = & $pwsh[0] @arguments
    if ($LASTEXITCODE -ne 0) { throw "The $Name variant failed: $($output -join "`n")" }
    $figures = $output | Where-Object { $_ -like '{*' } | Select-Object -Last 1 | ConvertFrom-Json
    $leftovers = @(Get-MarkedSleep)
    if ($leftovers) { Stop-Process -Id $leftovers -Force -ErrorAction SilentlyContinue }
    $figures | Add-Member -NotePropertyName LeftAfterExit -NotePropertyValue $leftovers.Count -PassThru
}

function Get-Median([double[]] $Values) {
    $sorted = @($Values | Sort-Object)
    if ($sorted.Count % 2) { $sorted[[math]::Floor($sorted.Count / 2)] }
    else { ($sorted[$sorted.Count / 2 - 1] + $sorted[$sorted.Count / 2]) / 2 }
}

if (-not (Test-Path -LiteralPath (Join-Path $ModulePath 'Formation.psd1'))) {
    throw "No module at ${ModulePath}: run ./build.ps1 first (or pass -ModulePath)."
}
if (Get-MarkedSleep) { throw "Processes running 'sleep $marker' exist already; end them first." }

$variants = 'Formation', 'Start-Process', 'Start-ThreadJob'
$loadBefore = (Get-Content -Raw /proc/loadavg).Split(' ')[0..2] -join ' '
$runs = foreach ($round in 1..$Repeat) {
    foreach ($name in $variants) {
        Write-Host "round $round of ${Repeat}: $name"
        Measure-Variant $name
    }
}

$rows = foreach ($name in $variants) {
    $mine = @($runs | Where-Object Variant -EQ $name)
    [pscustomobject]@{
        Variant       = $name
        Import        = Get-Median $mine.Import
        Ready         = Get-Median $mine.Ready
        Stop          = Get-Median ($mine | ForEach-Object { $_.Stopped - $_.Ready })
        Total         = Get-Median $mine.Stopped
        LeftAfterStop = ($mine.LeftAfterStop | Measure-Object -Maximum).Maximum
        LeftAfterExit = ($mine.LeftAfterExit | Measure-Object -Maximum).Maximum
    }
}
$formation = $rows | Where-Object Variant -EQ 'Formation'

$module = Import-PowerShellDataFile (Join-Path $ModulePath 'Formation.psd1')
$commit = git -C $ModulePath rev-parse --short HEAD 2>$null
$built = if ($LASTEXITCODE -eq 0 -and $commit) { "built from $commit" } else { $ModulePath }
$assembly = [Reflection.Assembly]::LoadFile((Resolve-Path (Join-Path $ModulePath 'Formation.dll')).Path)
$built += if ($assembly.GetCustomAttributes([Diagnostics.DebuggableAttribute], $false) | Where-Object IsJITOptimizerDisabled) { ', Debug' } else { ', Release' }
$load = (Get-Content -Raw /proc/loadavg).Split(' ')[0..2] -join ' '
$lines = @(
    "# Formation in PowerShell against PowerShell's own background processes, $(Get-Date -Format 'yyyy-MM-dd HH:mm')"
    ''
    "Formation $($module.ModuleVersion) ($built), PowerShell $($PSVersionTable.PSVersion), $Count instances of ``sleep``, medians of $Repeat rounds; each variant in a fresh child pwsh, timed from its first command. $([Environment]::ProcessorCount) cores, shared with other sessions (load average before: $loadBefore, after: $load)."
    ''
    'A ratio is the peer''s time / Formation''s: above 1, Formation is faster. Formation''s times include `Import-Module`.'
    ''
    '| variant | Import-Module (s) | to ready (s) | stop (s) | start + stop (s) | left after stop | left after pwsh exit |'
    '|---|---|---|---|---|---|---|'
)
foreach ($r in $rows) {
    $import = if ($r.Variant -eq 'Formation') { '{0:0.000}' -f $r.Import } else { '–' }
    $lines += '| {0} | {1} | {2:0.000} | {3:0.000} | {4:0.000} | {5} | {6} |' -f $r.Variant, $import, $r.Ready, $r.Stop, $r.Total, $r.LeftAfterStop, $r.LeftAfterExit
}
$lines += ''
$lines += '| peer | to ready: peer / Formation | to ready: peer / Formation without Import-Module | stop: peer / Formation | start + stop: peer / Formation |'
$lines += '|---|---|---|---|---|'
foreach ($r in $rows | Where-Object Variant -NE 'Formation') {
    $lines += '| {0} | {1:0.00}x | {2:0.00}x | {3:0.00}x | {4:0.00}x |' -f $r.Variant, ($r.Ready / $formation.Ready), ($r.Ready / ($formation.Ready - $formation.Import)), ($r.Stop / $formation.Stop), ($r.Total / $formation.Total)
}
$lines += ''
$lines += 'Each round, per variant (s): ' + (($runs | ForEach-Object { '{0} {1:0.000}/{2:0.000}' -f $_.Variant, $_.Ready, $_.Stopped }) -join '; ') + ' (ready/stopped).'

New-Item -ItemType Directory -Force -Path (Split-Path $OutFile) | Out-Null
$lines | Set-Content -LiteralPath $OutFile
$lines | Write-Host
Write-Host "Wrote $OutFile"
