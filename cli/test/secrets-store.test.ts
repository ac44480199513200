import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  statSync,
  unlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { openStateSecrets, stateSecretsFile } from "../src/platform/secrets-store";

// The platform key lives outside the state folder: a copy of the folder holds only ciphertext.
function setup() {
  const root = mkdtempSync(join(tmpdir(), "arcrun-keys-"));
  const state = join(root, "state");
  const env = { ARCRUN_HOME: join(root, "home") } as NodeJS.ProcessEnv;
  return { root, state, env };
}

const legacy = { encryptionKey: Buffer.alloc(32, 7).toString("base64"), adminToken: "adm_legacy_token" };

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: "utf8" }).map((f) => join(dir, f));
}

describe("the platform key file", () => {
  it("a new state folder gets its key outside the folder (0600 in a 0700 directory), and keeps it", () => {
    const { state, env } = setup();
    const first = openStateSecrets(state, env);
    expect(first.created).toBe(true);
    expect(first.file.startsWith(join(env.ARCRUN_HOME as string, "keys"))).toBe(true);
    expect(statSync(first.file).mode & 0o777).toBe(0o600);
    expect(statSync(join(env.ARCRUN_HOME as string, "keys")).mode & 0o777).toBe(0o700);
    // Nothing in the state folder holds the key or the admin token.
    for (const f of filesUnder(state)) {
      const text = readFileSync(f, "utf8");
      expect(text).not.toContain(first.secrets.encryptionKey);
      expect(text).not.toContain(first.secrets.adminToken);
    }
    const again = openStateSecrets(state, env);
    expect(again).toMatchObject({ created: false, file: first.file, secrets: first.secrets });
    // Another process with another HOME finds the same file through platform.json.
    expect(stateSecretsFile(state, { ARCRUN_HOME: "/nonexistent" })).toBe(first.file);
  });

  it("moves a legacy {state}/secrets.json out, byte-for-byte, and removes it only then", () => {
    const { state, env } = setup();
    mkdirSync(state, { recursive: true });
    writeFileSync(join(state, "secrets.json"), JSON.stringify(legacy));
    expect(stateSecretsFile(state, env)).toBe(join(state, "secrets.json"));
    const moved = openStateSecrets(state, env);
    expect(moved.migratedFrom).toBe(join(state, "secrets.json"));
    expect(moved.created).toBe(false);
    expect(moved.secrets).toEqual(legacy);
    expect(JSON.parse(readFileSync(moved.file, "utf8"))).toEqual(legacy);
    expect(existsSync(join(state, "secrets.json"))).toBe(false);
    expect(statSync(moved.file).mode & 0o777).toBe(0o600);
    expect(stateSecretsFile(state, env)).toBe(moved.file);
    expect(openStateSecrets(state, env)).toMatchObject({ created: false, secrets: legacy });
  });

  it("a move cut off after the copy finishes on the next start; a conflicting key file stops it, losing nothing", () => {
    const { state, env } = setup();
    const made = openStateSecrets(state, env);
    // Cut off after the copy: both files, same keys.
    writeFileSync(join(state, "secrets.json"), JSON.stringify(made.secrets));
    expect(openStateSecrets(state, env)).toMatchObject({ secrets: made.secrets, migratedFrom: expect.any(String) });
    expect(existsSync(join(state, "secrets.json"))).toBe(false);
    // Different keys in both places: refuse, keep both.
    writeFileSync(join(state, "secrets.json"), JSON.stringify(legacy));
    expect(() => openStateSecrets(state, env)).toThrow(/hold different keys/);
    expect(JSON.parse(readFileSync(join(state, "secrets.json"), "utf8"))).toEqual(legacy);
    expect(JSON.parse(readFileSync(made.file, "utf8"))).toEqual(made.secrets);
  });

  it("a missing key file of a state that had one is an error, never a fresh key", () => {
    const { root, state, env } = setup();
    const made = openStateSecrets(state, env);
    const aside = join(root, "aside.json");
    writeFileSync(aside, readFileSync(made.file));
    unlinkSync(made.file);
    expect(() => openStateSecrets(state, env)).toThrow(/key file of .* is missing .*restore it/);
    expect(existsSync(made.file)).toBe(false);
    // ARCRUN_SECRETS_FILE points at the restored backup.
    expect(openStateSecrets(state, { ...env, ARCRUN_SECRETS_FILE: aside }).secrets).toEqual(made.secrets);
  });
});
