#!/usr/bin/python3
# Reads YAML files as docker-compose 1.29 does (PyYAML's SafeLoader: YAML 1.1) and prints, per file, one
# line of JSON: the list of its documents. A file it cannot read prints its error on stderr and exits 1.
#   /usr/bin/python3 yaml_read.py FILE.yaml...
import json
import sys

import yaml

failed = 0
for path in sys.argv[1:]:
    try:
        with open(path, encoding="utf-8") as f:
            docs = list(yaml.safe_load_all(f))
        # Strict UTF-8: a string of lone surrogates (a pair escaped as two \u escapes) is not the character.
        sys.stdout.buffer.write(json.dumps(docs, ensure_ascii=False).encode("utf-8") + b"\n")
    except Exception as e:  # a YAMLError, a constructor error, or a lone surrogate
        print(f"{path}: {type(e).__name__}: {e}", file=sys.stderr)
        failed += 1
sys.exit(1 if failed else 0)
