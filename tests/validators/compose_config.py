#!/usr/bin/python3
# Validates Compose files the way `docker-compose -f FILE config -q` does (docker-compose 1.29's own
# loader: schema, interpolation, env_file, depends_on), many files in one process:
#   /usr/bin/python3 compose_config.py DIR/compose.yaml...
# Errors go to stderr, one per file, and the exit code is 1; otherwise it prints "N files valid".
import os
import sys

from compose.cli.command import get_config_from_options

failed = 0
for path in sys.argv[1:]:
    path = os.path.abspath(path)
    try:
        get_config_from_options(os.path.dirname(path), {"--file": [path]})
    except Exception as e:  # ConfigurationError and the loader's other errors
        print(f"{path}: {type(e).__name__}: {e}", file=sys.stderr)
        failed += 1
if failed:
    sys.exit(1)
print(f"{len(sys.argv) - 1} files valid")
