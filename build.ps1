#Requires -Version 7.4
<#
.SYNOPSIS
    Builds, tests and packages Formation.
.DESCRIPTION
    Build   compiles the solution and lays out the importable module in out/Formation (the manifest,
            Formation.dll, the format and type files, en-US help, and the engine in lib/).
    Test    runs the xunit suites, then the Pester suite (tests/Pester and examples/ci) in a child pwsh,
            with Pester 5.7.1 restored from the NuGet feed by tests/Pester/Pester.proj. It ends with one
            line counting both, "total: N passed, N failed, N skipped", and fails when a suite did not run
            or any test failed. Results: out/test-results.
    Package makes the PowerShell Gallery package (out/packages/Formation.<version>.nupkg) and the
            formation dotnet tool package (out/packages/Formation.Cli.<version>.nupkg).
    Test and Package build first when Build is not among the tasks.
.EXAMPLE
    dotnet tool restore; dotnet pwsh ./build.ps1 -Task Build, Test
.EXAMPLE
    ./build.ps1 -Configuration Release -Task Package
#>
[CmdletBinding()]
param(
    [ValidateSet('Debug', 'Release')]
    [string] $Configuration = 'Debug',

    # Build, Test, Package; from bash (dotnet pwsh ./build.ps1 -Task Build,Test) it arrives as one string.
    [ArgumentCompleter({ param($c, $p, $word) 'Build', 'Test', 'Package' | Where-Object { $_ -like "$word*" } })]
    [string[]] $Task = @('Build'),

    # The Pester suite is ended (and counted as failed) when it runs longer than this.
    [timespan] $PesterTimeout = [timespan]::FromMinutes(10)
)

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version Latest

$Task = @($Task -split ',' | ForEach-Object Trim | Where-Object { $_ })
$unknown = @($Task | Where-Object { $_ -notin 'Build', 'Test', 'Package' })
if ($unknown) { throw "Unknown task '$($unknown -join "', '")': -Task takes Build, Test and Package." }

$root = $PSScriptRoot
$solution = Join-Path $root 'Formation.sln'
$moduleOut = Join-Path $root 'out' 'Formation'
$packageOut = Join-Path $root 'out' 'packages'
$resultsOut = Join-Path $root 'out' 'test-results'
$script:built = $false

function Invoke-Dotnet {
    param([Parameter(ValueFromRemainingArguments)] [string[]] $Arguments)
    & dotnet @Arguments | Out-Host
    if ($LASTEXITCODE -ne 0) { throw "dotnet $($Arguments -join ' ') failed with exit code $LASTEXITCODE." }
}

. (Join-Path $root 'tests' 'Pester' 'Get-PwshCommand.ps1')

function Assert-Built {
    if (-not $script:built) { Invoke-BuildTask }
}

function Invoke-BuildTask {
    if (Test-Path $moduleOut) { Remove-Item $moduleOut -Recurse -Force }
    # The LayoutModule target of src/Formation.PowerShell lays out out/Formation after the build.
    Invoke-Dotnet build $solution --configuration $Configuration
    $manifest = Test-ModuleManifest -Path (Join-Path $moduleOut 'Formation.psd1')
    Write-Host "Built Formation $($manifest.Version) into $moduleOut"
    $script:built = $true
}

function Invoke-TestTask {
    Assert-Built
    if (Test-Path $resultsOut) { Remove-Item $resultsOut -Recurse -Force }
    $xunit = Invoke-XunitSuite
    $pester = Invoke-PesterSuite
    $suites = @($xunit) + @($pester)

    foreach ($s in $suites) { Write-Host "$($s.Suite): $($s.Detail) (passed $($s.Passed), failed $($s.Failed), skipped $($s.Skipped))" }
    $ran = @($suites | Where-Object Ran | ForEach-Object Suite) -join ', '
    $passed = ($suites | Measure-Object Passed -Sum).Sum
    $failed = ($suites | Measure-Object Failed -Sum).Sum
    $skipped = ($suites | Measure-Object Skipped -Sum).Sum
    Write-Host "suites run: $(if ($ran) { $ran } else { 'none' })"
    # The one summary line (CI reads it): both suites counted together.
    Write-Host "total: $passed passed, $failed failed, $skipped skipped"
    $missing = @($suites | Where-Object { -not $_.Ran } | ForEach-Object Suite)
    if ($missing) { Stop-Build "Tests failed: did not run: $($missing -join ', ')." }
    if ($failed -gt 0) { Stop-Build "Tests failed: $failed failed." }
}

function Stop-Build([string] $Message) {
    <# Ends the script with exit code 1 and the message on stderr (an expected failure, not a script error). #>
    [Console]::Error.WriteLine($Message)
    exit 1
}

function Invoke-XunitSuite {
    <# dotnet test over the solution; counts come from one TRX file per test project. #>
    $trxFolder = Join-Path $resultsOut 'xunit'
    & dotnet test $solution --configuration $Configuration --no-build --logger trx --results-directory $trxFolder `
        --blame-hang-timeout 5m --blame-hang-dump-type none | Out-Host
    $exitCode = $LASTEXITCODE
    $expected = @(Get-ChildItem (Join-Path $root 'tests') -Filter *.csproj -Recurse |
            Where-Object { (Get-Content -Raw -LiteralPath $_.FullName) -match 'Microsoft\.NET\.Test\.Sdk' }).Count
    $counters = @(Get-ChildItem $trxFolder -Filter *.trx -ErrorAction SilentlyContinue |
            ForEach-Object { ([xml](Get-Content -Raw -LiteralPath $_.FullName)).TestRun.ResultSummary.Counters })
    $passed = ($counters | ForEach-Object { [int]$_.passed } | Measure-Object -Sum).Sum
    $failed = ($counters | ForEach-Object { [int]$_.failed + [int]$_.error + [int]$_.timeout + [int]$_.aborted } | Measure-Object -Sum).Sum
    $skipped = ($counters | ForEach-Object { [int]$_.notExecuted } | Measure-Object -Sum).Sum
    $detail = "$($counters.Count) of $expected test projects"
    if ($exitCode -ne 0 -and $failed -eq 0) {
        # A test host that crashed or hung fails the run even though no test was counted as failed.
        $failed = 1
        $detail += ", dotnet test exited with $exitCode"
    }
    [pscustomobject]@{ Suite = 'xunit'; Ran = ($counters.Count -eq $expected -and $expected -gt 0); Passed = [int]$passed; Failed = [int]$failed; Skipped = [int]$skipped; Detail = $detail }
}

function Invoke-PesterSuite {
    <#
    Runs tests/Pester and examples/ci in a child pwsh (the module under test loads fresh and goes with
    the process), with Pester from tests/Pester/Pester.proj; counts come from the child's summary file.
    #>
    $pesterProject = Join-Path $root 'tests' 'Pester' 'Pester.proj'
    Invoke-Dotnet restore $pesterProject --verbosity quiet
    $pesterManifest = (& dotnet msbuild $pesterProject -nologo -getProperty:PesterManifest).Trim()
    if ($LASTEXITCODE -ne 0 -or -not (Test-Path -LiteralPath $pesterManifest)) { throw "Pester was not restored: '$pesterManifest' does not exist." }

    # The Gallery package the Package task makes; the package tests install the module from it.
    $modulePackage = New-ModulePackage (Join-Path $resultsOut 'package')
    $summaryPath = Join-Path $resultsOut 'pester-summary.json'
    $pwsh = Get-PwshCommand
    $start = [Diagnostics.ProcessStartInfo]::new($pwsh[0])
    foreach ($argument in @($pwsh | Select-Object -Skip 1) + @(
            '-NoProfile', '-NonInteractive', '-File', (Join-Path $root 'tests' 'Pester' 'Invoke-Suite.ps1'),
            '-PesterManifest', $pesterManifest, '-ModulePath', $moduleOut, '-ModulePackage', $modulePackage,
            '-ResultsPath', $resultsOut, '-SummaryPath', $summaryPath,
            (Join-Path $root 'tests' 'Pester'), (Join-Path $root 'examples' 'ci'))) {
        $start.ArgumentList.Add($argument)
    }
    $start.UseShellExecute = $false
    $child = [Diagnostics.Process]::Start($start)
    if (-not $child.WaitForExit([int]$PesterTimeout.TotalMilliseconds)) {
        $child.Kill($true)
        $child.WaitForExit()
        Write-Warning "The Pester suite did not finish within $PesterTimeout and was ended."
    }
    if (-not (Test-Path -LiteralPath $summaryPath)) {
        return [pscustomobject]@{ Suite = 'Pester'; Ran = $false; Passed = 0; Failed = 1; Skipped = 0; Detail = "did not finish (exit code $($child.ExitCode))" }
    }
    $summary = Get-Content -Raw $summaryPath | ConvertFrom-Json
    $detail = "$($summary.Files) files in $([math]::Round($summary.Seconds, 1)) s"
    if ($summary.FailedBlocks -gt 0) { $detail += ", $($summary.FailedBlocks) BeforeAll/AfterAll failed" }
    [pscustomobject]@{
        Suite   = 'Pester'
        Ran     = $summary.Total -gt 0
        Passed  = [int]$summary.Passed
        Failed  = [int]$summary.Failed + [int]$summary.FailedBlocks
        Skipped = [int]$summary.Skipped + [int]$summary.NotRun
        Detail  = $detail
    }
}

function New-ModulePackage {
    <# Writes the PowerShell Gallery package of out/Formation into the folder; returns its path. #>
    param([Parameter(Mandatory)] [string] $Destination)
    New-Item -ItemType Directory -Force -Path $Destination | Out-Null
    $version = (Import-PowerShellDataFile (Join-Path $moduleOut 'Formation.psd1')).ModuleVersion
    $package = Join-Path $Destination "Formation.$version.nupkg"
    if (Test-Path -LiteralPath $package) { Remove-Item -LiteralPath $package }
    # PSResourceGet (shipped with PowerShell 7.4+): the same package Publish-PSResource would upload.
    Compress-PSResource -Path $moduleOut -DestinationPath $Destination
    if (-not (Test-Path -LiteralPath $package)) { throw "Compress-PSResource did not write $package." }
    $package
}

function Invoke-PackageTask {
    Assert-Built
    if (Test-Path $packageOut) { Remove-Item $packageOut -Recurse -Force }
    $modulePackage = New-ModulePackage $packageOut
    Invoke-Dotnet pack (Join-Path $root 'src' 'Formation.Cli') --configuration $Configuration --no-build --output $packageOut
    Write-Host "Package: $modulePackage"
    Get-ChildItem $packageOut -Filter 'Formation.Cli.*.nupkg' | ForEach-Object { Write-Host "Package: $($_.FullName)" }
}

foreach ($t in $Task) {
    switch ($t) {
        'Build' { Invoke-BuildTask }
        'Test' { Invoke-TestTask }
        'Package' { Invoke-PackageTask }
    }
}
