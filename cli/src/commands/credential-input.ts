import { readFileSync } from "node:fs";
import { isCancel, password } from "@clack/prompts";
import { isMap, isScalar, LineCounter, parseDocument } from "yaml";
import { EXIT, UserError } from "../ui/errors.js";

/** Where `acr credential set` takes the secret from; never argv. */
export interface SecretSource {
  stdin?: boolean;
  fromFile?: string;
}

/** Drops ONE trailing newline (`echo token | acr …`, files saved by editors); keeps everything else. */
function chomp(s: string): string {
  return s.replace(/\r?\n$/, "");
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(Buffer.from(chunk as Uint8Array));
  return Buffer.concat(chunks).toString("utf8");
}

/**
 * Reads a secret from `--from-file`, from stdin (`--stdin` or piped), or from a hidden prompt on a TTY.
 *
 * @example
 * const secret = await readSecret("github", { stdin: true });
 */
export async function readSecret(name: string, src: SecretSource): Promise<string> {
  let secret: string;
  if (src.fromFile) {
    try {
      secret = chomp(readFileSync(src.fromFile, "utf8"));
    } catch (err) {
      const code = (err as { code?: string }).code;
      throw new UserError(
        `Cannot read ${src.fromFile} (${code ?? "unreadable"})`,
        "Check the path given to --from-file",
      );
    }
  } else if (src.stdin || !process.stdin.isTTY) {
    secret = chomp(await readStdin());
  } else {
    const v = await password({ message: `Secret for credential "${name}" (input hidden)`, mask: "•" });
    if (isCancel(v)) throw new UserError("Cancelled", undefined, EXIT.usage);
    secret = String(v);
  }
  if (secret.length === 0) {
    throw new UserError(`The secret for credential "${name}" is empty`, "Pipe it in, type it, or use --from-file");
  }
  return secret;
}

/** One entry of a credentials.yaml file, with where it was written (for errors). */
export interface CredentialEntry {
  name: string;
  value: string;
  line: number;
  column: number;
}

/**
 * Parses `credentials.yaml`: a map credential name → secret (strings; numbers and booleans are taken
 * as written). Every problem names the file, line and column, never the secret.
 *
 * @example
 * parseCredentialsYaml("github: ghp_x\nopenai: sk-y\n", "credentials.yaml")
 */
export function parseCredentialsYaml(text: string, file: string): CredentialEntry[] {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false });
  const at = (offset: number | undefined) => {
    const pos = lineCounter.linePos(offset ?? 0);
    return { line: pos.line, column: pos.col };
  };
  const first = doc.errors[0];
  if (first) {
    const { line, column } = at(first.pos[0]);
    throw new UserError(`${file}:${line}:${column}: invalid YAML (${first.code})`, "Fix the YAML syntax");
  }
  if (doc.contents === null) return [];
  if (!isMap(doc.contents)) {
    const { line, column } = at(doc.contents.range?.[0]);
    throw new UserError(`${file}:${line}:${column}: expected a map of credential name → secret`, "e.g. github: ghp_…");
  }
  const out: CredentialEntry[] = [];
  for (const pair of doc.contents.items) {
    const key = pair.key;
    const keyPos = at(isScalar(key) ? key.range?.[0] : undefined);
    const name = isScalar(key) ? String(key.value) : "";
    if (!/^[A-Za-z0-9_.-]{1,64}$/.test(name) || name === "key") {
      throw new UserError(
        `${file}:${keyPos.line}:${keyPos.column}: "${name}" is not a valid credential name`,
        "Names match [A-Za-z0-9_.-]{1,64} and `key` is reserved",
      );
    }
    const value = pair.value;
    const valueRange = (value as { range?: [number, number, number] } | null)?.range;
    const pos = valueRange ? at(valueRange[0]) : keyPos;
    if (!isScalar(value) || value.value === null || typeof value.value === "object") {
      throw new UserError(
        `${file}:${pos.line}:${pos.column}: credential "${name}" must be a single string value`,
        "Quote the secret; empty values, nested maps and lists are not credentials",
      );
    }
    // Numbers and booleans are taken as YAML read them; quote a secret to keep it byte-exact.
    const secret = String(value.value);
    if (secret.length === 0) throw new UserError(`${file}:${pos.line}:${pos.column}: credential "${name}" is empty`);
    out.push({ name, value: secret, ...keyPos });
  }
  return out;
}
