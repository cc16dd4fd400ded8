# Pester 5 and 6: start the app's formation before the tests, remove it after them, and leave nothing running.
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot '..' '..' 'out' 'Formation')
    # -Port is the base, not web's port: the type on line N of the Procfile (from 0) gets base + 100 * N, and
    # each further instance one more. Here release is line 0 and web line 1, so web.1 listens on 17180.
    $script:f = Start-Formation (Join-Path $PSScriptRoot 'Procfile') -Name example-ci -Port 17080 -ErrorAction Stop
    # Wait in a second step, so that $f is set (and AfterAll removes it) even when the app never gets ready.
    # It returns once web's readiness probe passes (formation.yml): no Start-Sleep guessing. A failed release
    # task or a probe that never passes is the error Pester reports for BeforeAll.
    $script:f | Wait-Formation -Ready -ErrorAction Stop
    $script:url = "http://127.0.0.1:$((Get-FormationProcess web.1 -Formation $script:f).Port)/"
}

Describe 'The app' {
    It 'serves requests' {
        $response = Invoke-WebRequest $script:url -TimeoutSec 10
        $response.StatusCode | Should -Be 200
        $response.Content | Should -Be 'hello from web.1'
    }
}

AfterAll {
    # Remove-Formation stops every process and returns only once none of the formation's processes is left
    # (a finished task included); one that survives is the error FormationProcessesLeft. When the start
    # itself failed there is nothing to remove, and the start's error stays the only one.
    if ($script:f) { $script:f | Remove-Formation -ErrorAction Stop }
}
