BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')
}

AfterAll {
    Exit-PrivateControlDirectory
}

Describe 'Test-Procfile' {
    It 'writes the process types of a valid Procfile' {
        $procfile = New-TestProcfile "# app`nweb: ./web`nworker: ./worker --queue a`n"

        $types = Test-Procfile $procfile

        $types.Name | Should -Be @('web', 'worker')
        $types.Command | Should -Be @('./web', './worker --queue a')
        $types.Line | Should -Be @(2, 3)
    }

    It 'writes one error per problem, with file and line' {
        $procfile = New-TestProcfile "web: ok`nbad line`nweb: again`n"

        Test-Procfile $procfile -ErrorVariable err -ErrorAction SilentlyContinue | Should -BeNullOrEmpty

        $err.Count | Should -Be 2
        $err[0].FullyQualifiedErrorId | Should -Be 'ProcfileInvalid,Formation.PowerShell.Commands.TestProcfileCommand'
        $err[0].CategoryInfo.Category | Should -Be 'ParserError'
        $err[0].ToString() | Should -BeLike "$procfile`:2: Not a process type*"
        $err[1].ToString() | Should -BeLike "$procfile`:3: Duplicate process type 'web'*"
    }

    It 'validates the .env file beside the Procfile' {
        $procfile = New-TestProcfile "web: ok`n" -Files @{ '.env' = "A=1`nbroken`n" }

        Test-Procfile $procfile -ErrorVariable err -ErrorAction SilentlyContinue

        $err[0].ToString() | Should -BeLike "*.env:2: Expected '='*"
    }

    It 'validates formation.yml with it, with file, line and column' {
        $procfile = New-TestProcfile "web: ok`n" -Files @{ 'formation.yml' = "processes:`n  web: { count: 2, replicas: 3 }`n" }

        Test-Procfile $procfile -ErrorVariable err -ErrorAction SilentlyContinue

        $err[0].ToString() | Should -BeLike "*formation.yml:2:20: Unknown key 'replicas' for process 'web'. Valid keys: after, count, *"
    }

    It 'says which path it tried for a missing Procfile' {
        $missing = Join-Path $TestDrive 'nope' 'Procfile'

        Test-Procfile $missing -ErrorVariable err -ErrorAction SilentlyContinue

        $err[0].ToString() | Should -BeLike "*No Procfile found at '$missing'*"
    }

    It 'returns only a boolean with -Quiet' {
        Test-Procfile (New-TestProcfile "web: ok`n") -Quiet | Should -BeTrue
        Test-Procfile (New-TestProcfile "not valid`n") -Quiet | Should -BeFalse
    }
}
