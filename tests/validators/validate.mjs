// Validates Kubernetes manifests against the Kubernetes OpenAPI schemas (the npm package kubernetes-models):
//   node validate.mjs FILE.yaml...
// Every document of every file must have an apiVersion and kind that kubernetes-models knows, and pass
// `new Kind(doc).validate()`. Errors go to stderr (one line each) and the exit code is 1; otherwise it
// prints "N objects valid" on stdout.
import { readFileSync } from "node:fs";
import { parseAllDocuments } from "yaml";

let valid = 0;
let failed = 0;
for (const file of process.argv.slice(2)) {
  for (const doc of parseAllDocuments(readFileSync(file, "utf8"))) {
    if (doc.errors.length > 0) {
      console.error(`${file}: invalid YAML: ${doc.errors.map((e) => e.message).join("; ")}`);
      failed++;
      continue;
    }
    const obj = doc.toJS();
    if (obj === null || obj === undefined) continue;
    const where = `${file}: ${obj.kind}/${obj.metadata?.name}`;
    try {
      const Model = (await import(`kubernetes-models/${obj.apiVersion}/${obj.kind}`))[obj.kind];
      if (typeof Model !== "function") throw new Error(`unknown kind ${obj.apiVersion} ${obj.kind}`);
      new Model(obj).validate();
      valid++;
    } catch (e) {
      console.error(`${where}: ${e.message}${e.errors ? " " + JSON.stringify(e.errors) : ""}`);
      failed++;
    }
  }
}
if (failed > 0) process.exit(1);
console.log(`${valid} objects valid`);
