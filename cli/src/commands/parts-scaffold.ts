import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import type { Command } from "commander";
import { color } from "../ui/color.js";
import { EXIT, UserError } from "../ui/errors.js";
import { findCheckout } from "./component.js";

export type ScaffoldLanguage = "assemblyscript" | "go";

/** Same rule as the registry build (`registry/scripts/build.mjs`): the folder name is the component name. */
const NAME = /^[a-z][a-z0-9_]*$/;

/**
 * Checks a new component name: snake_case, and no component (built-in or in `dir`) of that name yet.
 *
 * @example
 * validateComponentName("greet_user", "registry/components"); // throws UserError when taken or malformed
 */
export function validateComponentName(name: string, dir: string): void {
  if (!NAME.test(name)) {
    throw new UserError(
      `"${name}" is not a valid component name: use snake_case (a-z, 0-9, _), starting with a letter`,
      "e.g. `acr parts scaffold greet_user`",
      EXIT.usage,
    );
  }
  if (existsSync(join(dir, name))) {
    throw new UserError(
      `a component named "${name}" already exists (${join(dir, name)})`,
      "pick another name, or edit that folder",
      EXIT.usage,
    );
  }
}

/**
 * Writes `{dir}/{name}/`: code (main.ts or main.go), component.json, README.md and cases.json.
 * The generated code passes its cases as generated. Returns the folder.
 *
 * @example
 * scaffoldComponent("greet_user", { dir: "registry/components", language: "assemblyscript" });
 */
export function scaffoldComponent(name: string, opts: { dir: string; language: ScaffoldLanguage }): string {
  validateComponentName(name, opts.dir);
  const folder = join(opts.dir, name);
  const files: Record<string, string> = {
    "component.json": `${JSON.stringify(manifest(name, opts.language), null, 2)}\n`,
    "README.md": readme(name),
    "cases.json": `${JSON.stringify(cases(), null, 2)}\n`,
    ...(opts.language === "go" ? { "main.go": goSource(name) } : { "main.ts": asSource(name) }),
  };
  mkdirSync(folder, { recursive: true });
  try {
    for (const [file, text] of Object.entries(files)) writeFileSync(join(folder, file), text);
  } catch (err) {
    // Half a component would break the next build of every component.
    rmSync(folder, { recursive: true, force: true });
    throw err;
  }
  return folder;
}

function manifest(name: string, language: ScaffoldLanguage) {
  return {
    name,
    version: "0.1.0",
    description: `Greets someone: outputs { message: "<greeting>, <name>!" }. Scaffolded by acr parts scaffold; replace with what ${name} does.`,
    input_schema: {
      type: "object",
      properties: {
        name: { type: "string", description: "Who to greet" },
        greeting: { type: "string", description: 'The greeting word (default "Hello")' },
      },
      required: ["name"],
      additionalProperties: true,
    },
    output_schema: {
      type: "object",
      properties: { message: { type: "string" } },
      required: ["message"],
    },
    capabilities: [],
    allowed_hosts: [],
    language,
  };
}

function cases() {
  return [
    { name: "greets by name", input: { name: "Ada" }, expect: { data: { message: "Hello, Ada!" } } },
    {
      name: "uses the given greeting",
      input: { name: "Grace", greeting: "Hi" },
      expect: { data: { message: "Hi, Grace!" } },
    },
    { name: "name is required", input: {}, expect: { error: { code: "MISSING_FIELD" } } },
  ];
}

function asSource(name: string): string {
  return `// ${name}: greets someone. Scaffolded by \`acr parts scaffold\`: replace the body with your logic.
// Input is the node's config (templates resolved); the output is the node's \`data\` (docs/component-abi.md).
import { JSON, writeOutput, readInput } from "../../sdk/assemblyscript";
import { needString, optString } from "../../sdk/assemblyscript/value";

function main(): void {
  const input = readInput<JSON.Obj>();
  // Both fail the node with MISSING_FIELD / INVALID_FIELD naming the field.
  const who = needString(input, "name");
  const greeting = optString(input, "greeting", "Hello");
  const out = new JSON.Obj();
  out.set("message", greeting + ", " + who + "!");
  writeOutput<JSON.Obj>(out);
}

main();
`;
}

function goSource(name: string): string {
  return `// ${name}: greets someone. Scaffolded by \`acr parts scaffold --lang go\`: replace the body with your logic.
// Input is the node's config (templates resolved); the output is the node's \`data\` (docs/component-abi.md).
package main

import arcrun "arcrun.dev/registry/sdk/go"

func main() {
	var in struct {
		Name     *string \`json:"name"\`
		Greeting *string \`json:"greeting"\`
	}
	if err := arcrun.ReadInput(&in); err != nil {
		arcrun.Fail("INVALID_INPUT", "the input is not a JSON object of strings: "+err.Error())
	}
	if in.Name == nil {
		arcrun.Fail("MISSING_FIELD", "field 'name' is required")
	}
	greeting := "Hello"
	if in.Greeting != nil {
		greeting = *in.Greeting
	}
	arcrun.WriteOutput(map[string]string{"message": greeting + ", " + *in.Name + "!"})
}
`;
}

function readme(name: string): string {
  return `# ${name}

Greets someone. This is the scaffold \`acr parts scaffold\` writes: replace the code, the schemas in
\`component.json\`, this README and \`cases.json\` with what the component really does.

## Input

| field | type | required | meaning |
|---|---|---|---|
| \`name\` | string | yes | who to greet |
| \`greeting\` | string | no | the greeting word, default \`Hello\` |

## Output

\`{ "message": "<greeting>, <name>!" }\`

Errors: \`MISSING_FIELD\` (no \`name\`), \`INVALID_FIELD\` (a field is not a string).

## In a workflow

\`\`\`yaml
flow:
  - input -> greet -> output
config:
  greet:
    component: ${name}
    name: "{{ input.name }}"
    greeting: Hi
\`\`\`

## Develop

\`\`\`sh
acr component build ${name}   # compile to .component-builds/${name}/${name}.wasm
acr component test ${name}    # run cases.json inside workerd
\`\`\`
`;
}

/** `acr parts scaffold <name>`: a new component folder that builds and passes its cases at once. */
export function registerPartsScaffold(parts: Command): void {
  parts
    .command("scaffold <name>")
    .description("Create a new component (code, component.json, README, cases.json) that builds and passes its cases")
    .option("--lang <language>", "assemblyscript or go", "assemblyscript")
    .option("--dir <dir>", "where components live (relative to the arcrun checkout)", "registry/components")
    .addHelpText(
      "after",
      "\nExamples:\n  $ acr parts scaffold greet_user\n  $ acr parts scaffold greet_user --lang go\n\nThen: acr component build greet_user && acr component test greet_user\n",
    )
    .action((name: string, o: { lang: string; dir: string }) => {
      if (o.lang !== "assemblyscript" && o.lang !== "go") {
        throw new UserError(`--lang must be assemblyscript or go, got "${o.lang}"`, undefined, EXIT.usage);
      }
      const root = findCheckout();
      const dir = resolve(root, o.dir);
      if (!existsSync(dir)) throw new UserError(`${dir} does not exist`, "pass --dir registry/components");
      const folder = scaffoldComponent(name, { dir, language: o.lang });
      const rel = relative(process.cwd(), folder) || ".";
      const json = parts.parent?.opts().json;
      if (json) {
        console.log(JSON.stringify({ name, dir: folder, files: readdirSync(folder).sort() }));
        return;
      }
      console.log(`${color.bold("created")} ${rel}/ (${readdirSync(folder).sort().join(", ")})`);
      console.log(
        `\nNext steps:\n  acr component build ${name}    compile it\n  acr component test ${name}     run its cases.json in workerd\n  edit ${rel}/${o.lang === "go" ? "main.go" : "main.ts"}, component.json and cases.json`,
      );
    });
}
