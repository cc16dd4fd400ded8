BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')

    function Invoke-BrokenExample {
        <#
        Runs a copy of examples/ci/App.Tests.ps1 with this run's Pester in a child pwsh, after $Break changed the
        copy; returns the container's result, its errors and its tests' results.
        #>
        param([Parameter(Mandatory)] [scriptblock] $Break, [hashtable] $Environment = @{})
        $copy = Join-Path $TestDrive ([guid]::NewGuid().ToString('N'))
        Copy-Item -Recurse (Join-Path $PSScriptRoot '..' '..' 'examples' 'ci') $copy
        $test = Join-Path $copy 'App.Tests.ps1'
        # The copy imports the module under test, and uses its own ports.
        (Get-Content -Raw $test).Replace("(Join-Path `$PSScriptRoot '..' '..' 'out' 'Formation')", "'$modulePath'").Replace('17080', '17380') | Set-Content $test
        & $Break $copy
        $pester = (Get-Module Pester).Path
        $json = Invoke-ChildPwsh -Environment $Environment -Script @"
`$ErrorActionPreference = 'Stop'
Import-Module '$pester'
`$c = New-PesterConfiguration
`$c.Run.Path = '$test'
`$c.Run.PassThru = `$true
`$c.Output.Verbosity = 'None'
`$r = Invoke-Pester -Configuration `$c
[pscustomobject]@{
    Result = `$r.Containers[0].Result
    Errors = @(`$r.Containers[0].ErrorRecord | ForEach-Object { `$_.Exception.Message })
    Tests  = @(`$r.Tests | ForEach-Object Result)
} | ConvertTo-Json -Compress
"@
        $json | Select-Object -Last 1 | ConvertFrom-Json
    }
}

AfterAll {
    Exit-PrivateControlDirectory
}

Describe 'The CI example (examples/ci)' {
    It 'reports a failing release task as its only error, and leaves nothing running' {
        $token = "pester-ci-example-$([guid]::NewGuid().ToString('N'))"

        $run = Invoke-BrokenExample -Environment @{ FORMATION_TEST_TOKEN = $token } -Break {
            param($copy)
            $procfile = Join-Path $copy 'Procfile'
            (Get-Content -Raw $procfile) -replace '(?m)^release: .*$', 'release: echo "no such table"; exit 3' | Set-Content $procfile
        }

        $run.Result | Should -Be 'Failed'
        $run.Errors | Should -HaveCount 1 -Because 'AfterAll adds no error of its own'
        $run.Errors[0] | Should -BeLike "*task release.1 exited with code 3*no such table*"
        $run.Tests | Should -Be 'Failed'
        @(Find-TokenProcess $token) | Should -BeNullOrEmpty
    }

    It 'reports a start that could not begin as its only error' {
        $listener = [System.Net.Sockets.TcpListener]::new([System.Net.IPAddress]::Loopback, 17480)
        $listener.Start()
        try {
            # web is the Procfile's second type: base 17380 + 100.
            $run = Invoke-BrokenExample -Break { }
        }
        finally {
            $listener.Stop()
        }

        $run.Result | Should -Be 'Failed'
        $run.Errors | Should -HaveCount 1 -Because 'AfterAll adds no error of its own'
        $run.Errors[0] | Should -BeLike '*17480*in use*'
    }
}
