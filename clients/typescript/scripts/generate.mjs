// Generates src/generated/openapi.ts from the repository's openapi.json with
// openapi-typescript, before every build (`prebuild`). The output is not
// committed: openapi.json is the one committed contract (the server's tests
// fail when it drifts from the code), and the types are built from it, so
// they cannot drift from it either.
//
// openapi.json may name two operations alike (`get`, `list`, ...), which
// would make two members of `operations` with one name, so an operationId
// used more than once is left out here and openapi-typescript inlines those
// operations into `paths`. Unique ids are kept as they are.

import { mkdir, readFile, writeFile } from "node:fs/promises";
import { dirname } from "node:path";
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
    "// Do not edit, and do not commit: it is made again from openapi.json by every build.\n\n" +
    astToString(ast)
  );
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  await mkdir(dirname(outputPath), { recursive: true });
  await writeFile(outputPath, await generate());
  console.log("wrote src/generated/openapi.ts");
}
