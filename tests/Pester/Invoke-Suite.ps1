#Requires -Version 7.4
<#
.SYNOPSIS
    Runs the Pester suite against a built module and writes a summary for build.ps1.
.DESCRIPTION
    build.ps1 -Task Test runs this in a child pwsh, so the module under test loads fresh and goes away
    with the process. It writes the NUnit results (pester-results.xml in -ResultsPath) and a JSON summary
    (-SummaryPath) with the counts, and exits with the number of failed tests and blocks. It runs on
    Pester 5 and Pester 6.
.EXAMPLE
    dotnet pwsh tests/Pester/Invoke-Suite.ps1 -PesterManifest ~/.nuget/packages/pester/5.7.1/tools/Pester.psd1 -ModulePath out/Formation tests/Pester
#>
[CmdletBinding(PositionalBinding = $false)]
param(
    [Parameter(Mandatory)] [string] $PesterManifest,
    [Parameter(Mandatory)] [string] $ModulePath,
    # The module's Gallery package (build.ps1 makes it); the package tests make their own without it.
    [string] $ModulePackage,
    [string] $ResultsPath = (Join-Path $PSScriptRoot '..' '..' 'out' 'test-results'),
    [string] $SummaryPath,
    # Files or folders of *.Tests.ps1.
    [Parameter(Mandatory, Position = 0, ValueFromRemainingArguments)] [string[]] $Path
)

$ErrorActionPreference = 'Stop'
# Common.ps1 and the package tests read these: the module under test and its package.
$env:FORMATION_MODULE = (Resolve-Path -LiteralPath $ModulePath).Path
if ($ModulePackage) { $env:FORMATION_PACKAGE = (Resolve-Path -LiteralPath $ModulePackage).Path }

Import-Module $PesterManifest -Force
New-Item -ItemType Directory -Force -Path $ResultsPath | Out-Null

$config = New-PesterConfiguration
$config.Run.Path = $Path
$config.Run.PassThru = $true
$config.Output.Verbosity = 'Detailed'
# Plain text in a log (CI), colour at a terminal.
if ([Console]::IsOutputRedirected) { $config.Output.RenderMode = 'Plaintext' }

$result = Invoke-Pester -Configuration $config

# The NUnit report is written here rather than by Invoke-Pester: a report that cannot be written (a failure
# message with a control character) must not take the counts with it.
try {
    Export-NUnitReport -Result $result -Path (Join-Path $ResultsPath 'pester-results.xml')
}
catch {
    Write-Warning "The NUnit report was not written: $_"
}

function Get-BlockTest($Block) {
    $Block.Tests
    foreach ($inner in $Block.Blocks) { Get-BlockTest $inner }
}
# A failed BeforeAll fails the tests under it, and those count already; a failed AfterAll (or a file that
# failed outside any test) fails no test, so each such block or file counts as one failure.
$failedOutsideTests = 0
foreach ($block in @($result.FailedBlocks) + @($result.FailedContainers)) {
    $tests = if ($block.PSObject.Properties['Blocks'] -and -not $block.PSObject.Properties['Tests']) { $block.Blocks | ForEach-Object { Get-BlockTest $_ } } else { Get-BlockTest $block }
    if (-not @($tests | Where-Object Result -EQ 'Failed')) { $failedOutsideTests++ }
}
$summary = [ordered]@{
    Version      = (Get-Module Pester).Version.ToString()
    Files        = @($result.Containers).Count
    Total        = $result.TotalCount
    Passed       = $result.PassedCount
    Failed       = $result.FailedCount
    Skipped      = $result.SkippedCount
    NotRun       = $result.NotRunCount
    FailedBlocks = $failedOutsideTests
    Seconds      = $result.Duration.TotalSeconds
    FailedTests  = @($result.Failed | ForEach-Object ExpandedPath) + @(@($result.FailedBlocks) + @($result.FailedContainers) | ForEach-Object { if ($_.PSObject.Properties['ExpandedPath']) { $_.ExpandedPath } else { "$($_.Item)" } })
}
if ($SummaryPath) { $summary | ConvertTo-Json | Set-Content -LiteralPath $SummaryPath }
exit [Math]::Min(255, $summary.Failed + $summary.FailedBlocks)
