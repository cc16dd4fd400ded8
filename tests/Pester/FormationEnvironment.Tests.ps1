BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')
}

AfterAll {
    Exit-PrivateControlDirectory
}

Describe 'Get-FormationEnvironment' {
    BeforeAll {
        $procfile = New-TestProcfile "web: exec sleep 100`nworker: exec sleep 100`n" -Files @{
            '.env'          = "DATABASE_URL=postgres://db`nAPI_TOKEN=abc123`n"
            'formation.yml' = "env: { RAILS_ENV: development }`nprocesses:`n  web:`n    env: { WEB_CONCURRENCY: 2 }`n"
        }
        $script:dir = Split-Path $procfile
        $script:f = Start-Formation $procfile -Name env -Environment @{ SECRET_KEY_BASE = 's3cr3t' }
    }

    AfterAll {
        $script:f | Remove-Formation
    }

    It 'says where every variable of a process came from' {
        $env = Get-FormationEnvironment web.1 -Formation env | Group-Object Name -AsHashTable

        $env['DATABASE_URL'].Source | Should -Be "$(Join-Path $script:dir '.env'):1"
        $env['RAILS_ENV'].Source | Should -Be "$(Join-Path $script:dir 'formation.yml'):1"
        $env['WEB_CONCURRENCY'].Value | Should -Be '2'
        $env['SECRET_KEY_BASE'].Source | Should -Be 'parameter'
        $env['PORT'].Value | Should -Be '5000'
        $env['PORT'].Source | Should -Be 'computed'
        $env['PATH'].Source | Should -Be 'inherited'
    }

    It 'masks secret-looking values unless -ShowSecrets' {
        (Get-FormationEnvironment web.1 -Formation env | Where-Object Name -EQ API_TOKEN).Value | Should -Be '********'
        (Get-FormationEnvironment web.1 -Formation env | Where-Object Name -EQ SECRET_KEY_BASE).Value | Should -Be '********'
        (Get-FormationEnvironment web.1 -Formation env -ShowSecrets | Where-Object Name -EQ API_TOKEN).Value | Should -Be 'abc123'
    }

    It 'writes the shared environment without -Name, and takes processes from the pipeline' {
        Get-FormationEnvironment -Formation env | Where-Object Name -EQ PORT | Should -BeNullOrEmpty
        $ports = Get-FormationProcess -Formation env | Get-FormationEnvironment | Where-Object Name -EQ PORT
        $ports.Value | Should -Be @('5000', '5100')
        $ports.Process | Should -Be @('web.1', 'worker.1')
    }
}
