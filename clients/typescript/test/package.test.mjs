// The package as its users import it: `@tally/client` for browsers and Node,
// `@tally/client/node` adding FileJournal; nothing the browser entry loads
// imports a Node module.

import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { test } from "node:test";

test("the entry points resolve by the package's name and share their classes", async () => {
  const main = await import("@tally/client");
  const node = await import("@tally/client/node");
  assert.equal(main.TallyClient, node.TallyClient);
  assert.equal(typeof node.FileJournal, "function");
  assert.equal(main.FileJournal, undefined, "FileJournal is Node's alone");
  for (const name of ["TallyClient", "TallyError", "MemoryJournal", "LocalStorageJournal", "ops", "scaledRetry", "verdict"]) {
    assert.ok(main[name], name);
  }
});

test("nothing the browser entry point loads imports a Node module", () => {
  const seen = new Set();
  const visit = (file) => {
    if (seen.has(file)) return;
    seen.add(file);
    const text = readFileSync(file, "utf8");
    for (const [, spec] of text.matchAll(/(?:import|export)\s[^;]*?from\s+"([^"]+)"/g)) {
      assert.ok(spec.startsWith("./"), `${file} imports ${spec}`);
      visit(join(dirname(file), spec));
    }
  };
  visit(fileURLToPath(new URL("../dist/index.js", import.meta.url)));
  assert.ok(seen.size >= 5, [...seen].join(", "));
});
