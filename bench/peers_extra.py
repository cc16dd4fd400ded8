
# -- appended by bench/run.sh to its private copy of the harness's adapters.py -------------------------
# More builds of formation, as peers of their own, so that one interleaved run compares them:
#   FORMATION_BEFORE_CMD      the native binary of an earlier commit (the previous main)
#   FORMATION_JIT_CMD         this tree through the README's path: dotnet formation.dll (JIT)
#   FORMATION_BEFORE_JIT_CMD  the earlier commit through the same path
# Each takes formation's flags (foreman's); a variable that is unset adds no peer.


def _formation_build(command):
    def run(procfile, formation, timeout, envfile):
        argv = command + ["start", "-f", procfile, "-m", formation, "-t", str(timeout)]
        if envfile:
            argv += ["-e", envfile]
        return argv
    return run


for _peer, _variable in (("formation-before", "FORMATION_BEFORE_CMD"), ("formation-jit", "FORMATION_JIT_CMD"),
                         ("formation-before-jit", "FORMATION_BEFORE_JIT_CMD")):
    if os.environ.get(_variable):
        _command = shlex.split(os.environ[_variable])
        adapter(_peer, version=_command + ["--version"])(_formation_build(_command))
