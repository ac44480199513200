#!/usr/bin/env node
// Committed on purpose: `npm ci` links workspace bins before anything is built, and a bin whose file does
// not exist yet is not linked, so `npx acr` would fall through to the public registry (where `acr` is not
// ours). This shim always exists; it loads the compiled CLI, or says how to build it.
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

const entry = new URL("../dist/bin.js", import.meta.url);
if (!existsSync(fileURLToPath(entry))) {
  console.error("error: the acr CLI is not built yet (cli/dist/bin.js is missing)");
  console.error("  fix: run `npm run build` (or `npm start`) in the arcrun checkout first");
  process.exit(1);
}
await import(entry.href);
