// Generates src/generated/openapi.ts from the repository's openapi.json with
// openapi-typescript. `--check` regenerates in memory and fails when the
// committed file differs (drift), like the server's test for openapi.json.
//
// openapi.json may name two operations alike (`get`, `list`, ...), which
// would make two members of `operations` with one name, so an operationId
// used more than once is left out here and openapi-typescript inlines those
// operations into `paths`. Unique ids are kept as they are.

import { readFile, writeFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import openapiTS, { astToString } from "openapi-typescript";

const documentPath = fileURLToPath(new URL("../../../openapi.json", import.meta.url));
const outputPath = fileURLToPath(new URL("../src/generated/openapi.ts", import.meta.url));

const METHODS = ["get", "put", "post", "delete", "options", "head", "patch", "trace"];

export async function generate() {
  const document = JSON.parse(await readFile(documentPath, "utf8"));
  const uses = new Map();
  const operations = Object.values(document.paths ?? {}).flatMap((item) =>
    METHODS.map((method) => item[method]).filter(Boolean),
  );
  for (const op of operations) if (op.operationId) uses.set(op.operationId, (uses.get(op.operationId) ?? 0) + 1);
  for (const op of operations) if (op.operationId && uses.get(op.operationId) > 1) delete op.operationId;
  // A field with a default (e.g. a redemption's `quantity`) is one the client
  // may leave out: openapi-typescript would otherwise make it required.
  const ast = await openapiTS(document, { defaultNonNullable: false });
  return (
    "// Generated from openapi.json by `npm run generate` (scripts/generate.mjs, openapi-typescript).\n" +
    "// Do not edit: change the API, regenerate, commit. `npm run check:generated` fails on drift.\n\n" +
    astToString(ast)
  );
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const text = await generate();
  if (process.argv.includes("--check")) {
    const committed = await readFile(outputPath, "utf8").catch(() => "");
    if (committed !== text) {
      console.error("src/generated/openapi.ts is out of date with openapi.json: run `npm run generate` and commit it");
      process.exit(1);
    }
    console.log("src/generated/openapi.ts matches openapi.json");
  } else {
    await writeFile(outputPath, text);
    console.log("wrote src/generated/openapi.ts");
  }
}
