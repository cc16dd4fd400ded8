#Requires -Version 7.4
<#
.SYNOPSIS
    Builds, tests and packages Formation, and runs your own Pester tests.
.DESCRIPTION
    Build   compiles the solution and lays out the importable module in out/Formation (the manifest,
            Formation.dll, the format and type files, en-US help, and the engine in lib/).
    Test    runs the xunit suites, then the CLI's tests again against the native binary (published with native
            AOT into out/aot; a trim or AOT warning fails it), then the Pester suite (tests/Pester and examples/ci) in a child pwsh once
            per Pester version of tests/Pester/Pester.proj (5.7.1 and 6.2.0, restored from the NuGet feed).
            Every suite runs with a private control directory (XDG_RUNTIME_DIR), never the user's: a formation
            started first in the user's own directory must run untouched through all of them (the isolation
            check). It ends with one line counting everything, "total: N passed, N failed, N skipped", and
            fails when a suite did not run, ran no test, or any test failed. Results: out/test-results.
    Package makes the PowerShell Gallery package (out/packages/Formation.<version>.nupkg) and the
            formation dotnet tool package (out/packages/Formation.Cli.<version>.nupkg), from a Release build
            unless -Configuration says otherwise, without .pdb files unless -IncludeSymbols.
    Pester  runs your own Pester tests (-Path) in the repository's pwsh with a Pester restored from the feed
            (-PesterVersion, default 5.7.1), in a child pwsh; exit code 1 when one fails.
    Test, Package and Pester build first when Build is not among the tasks.
.EXAMPLE
    dotnet tool restore; dotnet pwsh ./build.ps1 -Task Build, Test
.EXAMPLE
    ./build.ps1 -Task Package
.EXAMPLE
    ./build.ps1 -Task Pester -Path ./tests -PesterVersion 6.2.0
#>
[CmdletBinding()]
param(
    # Default: Debug, or Release when Package is among the tasks.
    [ValidateSet('Debug', 'Release')]
    [string] $Configuration,

    # Build, Test, Package, Pester; from bash (dotnet pwsh ./build.ps1 -Task Build,Test) it arrives as one string.
    [ArgumentCompleter({ param($c, $p, $word) 'Build', 'Test', 'Package', 'Pester' | Where-Object { $_ -like "$word*" } })]
    [string[]] $Task = @('Build'),

    # Each Pester run is ended (and counted as failed) when it runs longer than this.
    [timespan] $PesterTimeout = [timespan]::FromMinutes(10),

    # Package: keep the .pdb files in both packages.
    [switch] $IncludeSymbols,

    # Pester: the *.Tests.ps1 files or folders to run.
    [string[]] $Path,

    # Pester: the Pester version to run them with (one of tests/Pester/Pester.proj's PesterVersions).
    [string] $PesterVersion
)

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version Latest

$Task = @($Task -split ',' | ForEach-Object Trim | Where-Object { $_ })
$unknown = @($Task | Where-Object { $_ -notin 'Build', 'Test', 'Package', 'Pester' })
if ($unknown) { throw "Unknown task '$($unknown -join "', '")': -Task takes Build, Test, Package and Pester." }
if ('Pester' -in $Task -and -not $Path) { throw '-Task Pester runs your own tests: name them with -Path (files or folders of *.Tests.ps1).' }
if (-not $Configuration) { $Configuration = if ('Package' -in $Task) { 'Release' } else { 'Debug' } }

$root = $PSScriptRoot
$solution = Join-Path $root 'Formation.sln'
$moduleOut = Join-Path $root 'out' 'Formation'
$packageOut = Join-Path $root 'out' 'packages'
$resultsOut = Join-Path $root 'out' 'test-results'
$pesterProject = Join-Path $root 'tests' 'Pester' 'Pester.proj'
$script:built = $false
$script:pesterRestored = $false

function Invoke-Dotnet {
    param([Parameter(ValueFromRemainingArguments)] [string[]] $Arguments)
    & dotnet @Arguments | Out-Host
    if ($LASTEXITCODE -ne 0) { throw "dotnet $($Arguments -join ' ') failed with exit code $LASTEXITCODE." }
}

. (Join-Path $root 'tests' 'Pester' 'Get-PwshCommand.ps1')
. (Join-Path $root 'tests' 'ForeignFormation.ps1')

function Assert-Built {
    if (-not $script:built) { Invoke-BuildTask }
}

function Invoke-BuildTask {
    if (Test-Path $moduleOut) { Remove-Item $moduleOut -Recurse -Force }
    # The LayoutModule target of src/Formation.PowerShell lays out out/Formation after the build.
    Invoke-Dotnet build $solution --configuration $Configuration
    $manifest = Test-ModuleManifest -Path (Join-Path $moduleOut 'Formation.psd1')
    Write-Host "Built Formation $($manifest.Version) ($Configuration) into $moduleOut"
    $script:built = $true
}

function Invoke-TestTask {
    Assert-Built
    if (Test-Path $resultsOut) { Remove-Item $resultsOut -Recurse -Force }
    New-Item -ItemType Directory -Force -Path $resultsOut | Out-Null
    # First, with the user's own environment: a formation in the user's control directory.
    $cli = Join-Path $root 'src' 'Formation.Cli' 'bin' $Configuration 'net8.0' 'formation.dll'
    $foreign = Start-ForeignFormation -Cli $cli -Work (Join-Path $resultsOut 'foreign')
    $saved = @{ XDG_RUNTIME_DIR = $env:XDG_RUNTIME_DIR; FORMATION_FOREIGN_FORMATION = $env:FORMATION_FOREIGN_FORMATION }
    # mkdtemp: a new directory, mode 0700, owned by this user; everything the suites run inherits it.
    $private = [IO.Directory]::CreateTempSubdirectory('formation-test-run-').FullName
    $suites = @()
    try {
        $env:XDG_RUNTIME_DIR = $private
        $env:FORMATION_FOREIGN_FORMATION = if ($foreign.Problem) { $null } else { $foreign.Name }
        $suites = @(Invoke-XunitSuite) + @(Invoke-NativeSuite) + @(Invoke-PesterSuites)
    }
    finally {
        foreach ($name in $saved.Keys) { [Environment]::SetEnvironmentVariable($name, $saved[$name]) }
        $suites = @($suites) + @(Complete-ForeignFormation $foreign)
        Remove-Item -LiteralPath $private -Recurse -Force -ErrorAction SilentlyContinue
    }
    Write-TestSummary $suites
}

function Write-TestSummary([object[]] $Suites) {
    foreach ($s in $Suites) {
        Write-Host "$($s.Suite): $($s.Detail) (passed $($s.Passed), failed $($s.Failed), skipped $($s.Skipped))"
        # The failed tests by name, next to the summary (a long log's tail is often all a CI page keeps).
        if ($s.PSObject.Properties['FailedTests']) { foreach ($name in @($s.FailedTests)) { if ($name) { Write-Host "  failed: $name" } } }
    }
    $ran = @($Suites | Where-Object Ran | ForEach-Object Suite) -join ', '
    $passed = ($Suites | Measure-Object Passed -Sum).Sum
    $failed = ($Suites | Measure-Object Failed -Sum).Sum
    $skipped = ($Suites | Measure-Object Skipped -Sum).Sum
    Write-Host "suites run: $(if ($ran) { $ran } else { 'none' })"
    # The one summary line (CI reads it): every suite counted together.
    Write-Host "total: $passed passed, $failed failed, $skipped skipped"
    $missing = @($Suites | Where-Object { -not $_.Ran } | ForEach-Object Suite)
    if ($missing) { Stop-Build "Tests failed: did not run, or ran no test: $($missing -join ', ')." }
    if ($failed -gt 0) { Stop-Build "Tests failed: $failed failed." }
}

function Invoke-NativeSuite {
    <#
    The native binary as its users run it: published with native AOT into out/aot (a trim or AOT warning fails
    the suite, as an error would), then the CLI's tests, every verb, against out/aot/formation (FORMATION_CLI).
    #>
    $aot = Join-Path $root 'out' 'aot'
    $rid = [Runtime.InteropServices.RuntimeInformation]::RuntimeIdentifier
    $watch = [Diagnostics.Stopwatch]::StartNew()
    # ILC compiles again only when its inputs changed, and prints its warnings only when it compiles: without its
    # output, every run compiles and every run sees the warnings.
    Remove-Item -LiteralPath (Join-Path $root 'src' 'Formation.Cli' 'obj' 'Release' 'net8.0' $rid 'native') -Recurse -Force -ErrorAction SilentlyContinue
    $log = @(& dotnet publish (Join-Path $root 'src' 'Formation.Cli') --configuration Release --runtime $rid -p:PublishAot=true --output $aot 2>&1 | ForEach-Object { "$_" })
    $exitCode = $LASTEXITCODE
    $log | Out-Host
    # Trim and AOT warnings (IL2xxx, IL3xxx); NuGet's NU1603/NU1701 are warnings the build keeps on purpose.
    $warnings = @($log | Where-Object { $_ -match '\bwarning IL[0-9]+' } | Sort-Object -Unique)
    $binary = Join-Path $aot 'formation'
    if ($exitCode -ne 0 -or $warnings -or -not (Test-Path -LiteralPath $binary)) {
        $detail = "native publish failed (exit code $exitCode, $($warnings.Count) warnings)"
        return [pscustomobject]@{ Suite = 'native'; Ran = $false; Passed = 0; Failed = 1; Skipped = 0; Detail = $detail; FailedTests = $warnings }
    }
    $size = [math]::Round((Get-Item -LiteralPath $binary).Length / 1MB, 1)
    Write-Host "Published $binary ($size MB, no warnings) in $([math]::Round($watch.Elapsed.TotalSeconds)) s"
    $env:FORMATION_CLI = $binary
    try {
        $suite = Invoke-XunitSuite -Suite 'native' -Target (Join-Path $root 'tests' 'Formation.Cli.Tests') -Folder 'native'
    }
    finally {
        $env:FORMATION_CLI = $null
    }
    $suite.Detail = "out/aot/formation ($size MB, no trim or AOT warnings), the CLI tests: $($suite.Detail)"
    $suite
}

function Stop-Build([string] $Message) {
    <# Ends the script with exit code 1 and the message on stderr (an expected failure, not a script error). #>
    [Console]::Error.WriteLine($Message)
    exit 1
}

function Invoke-XunitSuite {
    <#
    dotnet test over the solution (or one test project); counts come from the test results of each project's
    TRX file (its ResultSummary counters leave skipped tests out: notExecuted stays 0). Each project must have
    run a test.
    #>
    param([string] $Suite = 'xunit', [string] $Target = $solution, [string] $Folder = 'xunit')
    $trxFolder = Join-Path $resultsOut $Folder
    & dotnet test $Target --configuration $Configuration --no-build --logger trx --results-directory $trxFolder `
        --blame-hang-timeout 5m --blame-hang-dump-type none | Out-Host
    $exitCode = $LASTEXITCODE
    $expected = if ($Target -ne $solution) { 1 } else {
        @(Get-ChildItem (Join-Path $root 'tests') -Filter *.csproj -Recurse |
                Where-Object { (Get-Content -Raw -LiteralPath $_.FullName) -match 'Microsoft\.NET\.Test\.Sdk' }).Count
    }
    $projects = @(Get-ChildItem $trxFolder -Filter *.trx -ErrorAction SilentlyContinue | ForEach-Object {
            $run = ([xml](Get-Content -Raw -LiteralPath $_.FullName)).TestRun
            $results = @($run.SelectNodes("//*[local-name()='UnitTestResult']"))
            $outcomes = @($results | ForEach-Object outcome)
            $storage = @($run.SelectNodes("//*[local-name()='UnitTest']") | ForEach-Object storage | Select-Object -First 1)
            [pscustomobject]@{
                Name    = if ($storage) { [IO.Path]::GetFileNameWithoutExtension($storage[0]) } else { $_.Name }
                Passed  = @($outcomes | Where-Object { $_ -eq 'Passed' }).Count
                Failed  = @($outcomes | Where-Object { $_ -in 'Failed', 'Error', 'Timeout', 'Aborted' }).Count
                Skipped = @($outcomes | Where-Object { $_ -notin 'Passed', 'Failed', 'Error', 'Timeout', 'Aborted' }).Count
                FailedTests = @($results | Where-Object { $_.outcome -in 'Failed', 'Error', 'Timeout', 'Aborted' } | ForEach-Object testName)
            }
        })
    $passed = ($projects | Measure-Object Passed -Sum).Sum
    $failed = ($projects | Measure-Object Failed -Sum).Sum
    $skipped = ($projects | Measure-Object Skipped -Sum).Sum
    $idle = @($projects | Where-Object { $_.Passed + $_.Failed -eq 0 } | ForEach-Object Name)
    $detail = "$($projects.Count) of $expected test projects"
    if ($idle) { $detail += ", ran no test: $($idle -join ', ')" }
    if ($exitCode -ne 0 -and $failed -eq 0) {
        # A test host that crashed or hung fails the run even though no test was counted as failed.
        $failed = 1
        $detail += ", dotnet test exited with $exitCode"
    }
    [pscustomobject]@{ Suite = $Suite; Ran = ($projects.Count -eq $expected -and $expected -gt 0 -and -not $idle); Passed = [int]$passed; Failed = [int]$failed; Skipped = [int]$skipped; Detail = $detail
        FailedTests = @($projects | ForEach-Object FailedTests) }
}

function Get-PesterManifest([string] $Version) {
    <# Restores tests/Pester/Pester.proj once (every Pester version it lists) and returns the manifest of one version. #>
    if (-not $script:pesterRestored) {
        Invoke-Dotnet restore $pesterProject --verbosity quiet
        $script:pesterRestored = $true
    }
    $manifest = (& dotnet msbuild $pesterProject -nologo -getProperty:PesterManifest "-p:PesterVersion=$Version").Trim()
    if ($LASTEXITCODE -ne 0 -or -not (Test-Path -LiteralPath $manifest)) {
        throw "Pester $Version was not restored: '$manifest' does not exist. The versions on offer are tests/Pester/Pester.proj's PesterVersions: $(Get-PesterVersions -join ', ')."
    }
    $manifest
}

function Get-PesterVersions {
    @((& dotnet msbuild $pesterProject -nologo -getProperty:PesterVersions).Trim() -split ';' | Where-Object { $_ })
}

function Invoke-PesterSuites {
    <# tests/Pester and examples/ci on each Pester version; the Gallery package for the package tests is made once. #>
    $modulePackage = New-ModulePackage (Join-Path $resultsOut 'package')
    foreach ($version in Get-PesterVersions) {
        Invoke-PesterRun -Version $version -Suite "Pester $version" -Results (Join-Path $resultsOut "pester-$version") `
            -ModulePackage $modulePackage -Paths (Join-Path $root 'tests' 'Pester'), (Join-Path $root 'examples' 'ci')
    }
}

function Invoke-PesterRun {
    <#
    Runs test files in a child pwsh (the module under test loads fresh and goes with the process) with one
    Pester version (tests/Pester/Invoke-Suite.ps1); counts come from the child's summary file.
    #>
    param([string] $Version, [string] $Suite, [string] $Results, [string] $ModulePackage, [string[]] $Paths)
    $manifest = Get-PesterManifest $Version
    $summaryPath = Join-Path $Results 'summary.json'
    $pwsh = Get-PwshCommand
    $start = [Diagnostics.ProcessStartInfo]::new($pwsh[0])
    $arguments = @($pwsh | Select-Object -Skip 1) + @('-NoProfile', '-NonInteractive', '-File', (Join-Path $root 'tests' 'Pester' 'Invoke-Suite.ps1'),
        '-PesterManifest', $manifest, '-ModulePath', $moduleOut, '-ResultsPath', $Results, '-SummaryPath', $summaryPath)
    if ($ModulePackage) { $arguments += '-ModulePackage', $ModulePackage }
    foreach ($argument in $arguments + $Paths) { $start.ArgumentList.Add($argument) }
    $start.UseShellExecute = $false
    $child = [Diagnostics.Process]::Start($start)
    if (-not $child.WaitForExit([int]$PesterTimeout.TotalMilliseconds)) {
        $child.Kill($true)
        $child.WaitForExit()
        Write-Warning "$Suite did not finish within $PesterTimeout and was ended."
    }
    if (-not (Test-Path -LiteralPath $summaryPath)) {
        return [pscustomobject]@{ Suite = $Suite; Ran = $false; Passed = 0; Failed = 1; Skipped = 0; Detail = "did not finish (exit code $($child.ExitCode))" }
    }
    $summary = Get-Content -Raw $summaryPath | ConvertFrom-Json
    $detail = "$($summary.Files) files in $([math]::Round($summary.Seconds, 1)) s"
    if ($summary.FailedBlocks -gt 0) { $detail += ", $($summary.FailedBlocks) BeforeAll/AfterAll failed" }
    if ($summary.Passed + $summary.Failed -eq 0) { $detail += ', ran no test' }
    [pscustomobject]@{
        Suite   = $Suite
        Ran     = $summary.Passed + $summary.Failed -gt 0
        Passed  = [int]$summary.Passed
        Failed  = [int]$summary.Failed + [int]$summary.FailedBlocks
        Skipped = [int]$summary.Skipped + [int]$summary.NotRun
        Detail  = $detail
        FailedTests = if ($summary.PSObject.Properties['FailedTests']) { @($summary.FailedTests) } else { @() }
    }
}

function Invoke-PesterTask {
    <# Your own tests, with the module built and the Pester of your choice; the environment is yours (no private control directory). #>
    Assert-Built
    $version = if ($PesterVersion) { $PesterVersion } else { @(Get-PesterVersions)[0] }
    $result = Invoke-PesterRun -Version $version -Suite "Pester $version" -Results (Join-Path $resultsOut 'pester-user') -Paths $Path
    Write-TestSummary @($result)
}

function New-ModulePackage {
    <#
    Writes the PowerShell Gallery package of out/Formation into the folder (without .pdb files unless
    -IncludeSymbols); returns its path.
    #>
    param([Parameter(Mandatory)] [string] $Destination)
    New-Item -ItemType Directory -Force -Path $Destination | Out-Null
    $version = (Import-PowerShellDataFile (Join-Path $moduleOut 'Formation.psd1')).ModuleVersion
    $package = Join-Path $Destination "Formation.$version.nupkg"
    if (Test-Path -LiteralPath $package) { Remove-Item -LiteralPath $package }
    $source = $moduleOut
    if (-not $IncludeSymbols) {
        # A copy of the module folder without the symbols; the folder keeps the module's name.
        $staging = Join-Path $root 'out' 'staging'
        if (Test-Path $staging) { Remove-Item $staging -Recurse -Force }
        $source = Join-Path $staging 'Formation'
        Copy-Item -LiteralPath $moduleOut -Destination $source -Recurse
        Get-ChildItem -LiteralPath $source -Recurse -Filter *.pdb | Remove-Item
    }
    # PSResourceGet (shipped with PowerShell 7.4+): the same package Publish-PSResource would upload.
    Compress-PSResource -Path $source -DestinationPath $Destination
    if (-not (Test-Path -LiteralPath $package)) { throw "Compress-PSResource did not write $package." }
    $package
}

function Invoke-PackageTask {
    Assert-Built
    if (Test-Path $packageOut) { Remove-Item $packageOut -Recurse -Force }
    $modulePackage = New-ModulePackage $packageOut
    # The tool's publish step copies the symbols of the tool and of its references unless told not to.
    $symbols = if ($IncludeSymbols) { @() } else { @('-p:CopyOutputSymbolsToPublishDirectory=false', '-p:AllowedReferenceRelatedFileExtensions=none') }
    Invoke-Dotnet pack (Join-Path $root 'src' 'Formation.Cli') --configuration $Configuration --no-build --output $packageOut @symbols
    Write-Host "Package ($Configuration$(if (-not $IncludeSymbols) { ', no symbols' })): $modulePackage"
    Get-ChildItem $packageOut -Filter 'Formation.Cli.*.nupkg' | ForEach-Object { Write-Host "Package: $($_.FullName)" }
}

foreach ($t in $Task) {
    switch ($t) {
        'Build' { Invoke-BuildTask }
        'Test' { Invoke-TestTask }
        'Package' { Invoke-PackageTask }
        'Pester' { Invoke-PesterTask }
    }
}
