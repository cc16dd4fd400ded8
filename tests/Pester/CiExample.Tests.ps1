BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')

    function New-BrokenExample {
        <# A copy of examples/ci that imports the module under test and uses its own base port, after $Break changed it; returns its test file. #>
        param([Parameter(Mandatory)] [int] $Port, [Parameter(Mandatory)] [scriptblock] $Break)
        $copy = Join-Path $TestDrive ([guid]::NewGuid().ToString('N'))
        Copy-Item -Recurse (Join-Path $PSScriptRoot '..' '..' 'examples' 'ci') $copy
        $test = Join-Path $copy 'App.Tests.ps1'
        (Get-Content -Raw $test).Replace("(Join-Path `$PSScriptRoot '..' '..' 'out' 'Formation')", "'$modulePath'").Replace('17080', "$Port") | Set-Content $test
        & $Break $copy
        $test
    }

    # Two broken copies, run by this run's Pester in one child pwsh: a release task that fails, and a start
    # that cannot begin because web's port (the Procfile's second type: base 17380 + 100) is in use.
    $script:token = "pester-ci-example-$([guid]::NewGuid().ToString('N'))"
    $failingTask = New-BrokenExample -Port 17580 {
        param($copy)
        $procfile = Join-Path $copy 'Procfile'
        (Get-Content -Raw $procfile) -replace '(?m)^release: .*$', 'release: echo "no such table"; exit 3' | Set-Content $procfile
    }
    $busyPort = New-BrokenExample -Port 17380 { }
    $pester = (Get-Module Pester).Path
    $listener = [System.Net.Sockets.TcpListener]::new([System.Net.IPAddress]::Loopback, 17480)
    $listener.Start()
    try {
        $json = Invoke-ChildPwsh -Environment @{ FORMATION_TEST_TOKEN = $script:token } -Script @"
`$ErrorActionPreference = 'Stop'
Import-Module '$pester'
foreach (`$test in '$failingTask', '$busyPort') {
    `$c = New-PesterConfiguration
    `$c.Run.Path = `$test
    `$c.Run.PassThru = `$true
    `$c.Output.Verbosity = 'None'
    `$r = Invoke-Pester -Configuration `$c
    [pscustomobject]@{
        Result = `$r.Containers[0].Result
        Errors = @(`$r.Containers[0].ErrorRecord | ForEach-Object { `$_.Exception.Message })
        Tests  = @(`$r.Tests | ForEach-Object Result)
    } | ConvertTo-Json -Compress
}
"@
    }
    finally {
        $listener.Stop()
    }
    $script:failingTask, $script:busyPort = $json | Where-Object { $_ -like '{*' } | ConvertFrom-Json
}

AfterAll {
    Exit-PrivateControlDirectory
}

Describe 'The CI example (examples/ci)' {
    It 'reports a failing release task as its only error, and leaves nothing running' {
        $script:failingTask.Result | Should -Be 'Failed'
        $script:failingTask.Errors | Should -HaveCount 1 -Because 'AfterAll adds no error of its own'
        $script:failingTask.Errors[0] | Should -BeLike "*task release.1 exited with code 3*no such table*"
        $script:failingTask.Tests | Should -Be 'Failed'
        @(Find-TokenProcess $script:token) | Should -BeNullOrEmpty
    }

    It 'reports a start that could not begin as its only error' {
        $script:busyPort.Result | Should -Be 'Failed'
        $script:busyPort.Errors | Should -HaveCount 1 -Because 'AfterAll adds no error of its own'
        $script:busyPort.Errors[0] | Should -BeLike '*17480*in use*'
    }
}
