// Reads YAML files with the npm `yaml` package as a YAML 1.2 reader (core schema) and as a YAML 1.1 reader,
// and prints, per file and version, one line of JSON: the list of its documents.
//   node yaml_read.mjs 1.2|1.1 FILE.yaml...
// A file that either reader rejects prints its errors on stderr and the exit code is 1.
import { readFileSync } from "node:fs";
import { parseAllDocuments } from "yaml";

const version = process.argv[2];
let failed = 0;
for (const file of process.argv.slice(3)) {
  const docs = parseAllDocuments(readFileSync(file, "utf8"), { version, merge: version === "1.1", uniqueKeys: true });
  const errors = docs.flatMap((d) => [...d.errors, ...d.warnings]);
  if (errors.length > 0) {
    console.error(`${file}: YAML ${version}: ${errors.map((e) => e.message).join("; ")}`);
    failed++;
    continue;
  }
  console.log(JSON.stringify(docs.map((d) => d.toJS())));
}
if (failed > 0) process.exit(1);
