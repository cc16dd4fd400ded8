# Pester 5: start the app's formation before the tests, stop it after them, and leave nothing running.
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot '..' '..' 'out' 'Formation')
    # -WaitReady returns once web's readiness probe (formation.yml) passes: no Start-Sleep guessing.
    $script:f = Start-Formation (Join-Path $PSScriptRoot 'Procfile') -Name example-ci -Port 17080 -WaitReady -ErrorAction Stop
}

Describe 'The app' {
    It 'serves requests' {
        $response = Invoke-WebRequest http://127.0.0.1:17080/ -TimeoutSec 10
        $response.StatusCode | Should -Be 200
        $response.Content | Should -Be 'hello from web.1'
    }
}

AfterAll {
    $ids = $script:f.Processes.ProcessId
    $script:f | Remove-Formation
    $ids | ForEach-Object { Get-Process -Id $_ -ErrorAction SilentlyContinue } | Should -BeNullOrEmpty
}
