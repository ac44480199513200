import { encryptCredential, keyId } from "@arcrun/sdk";
import { type FormEvent, useRef, useState } from "react";
import { api, enc } from "../api";
import { ago, Button, ErrorNote, inputClass, Loading, Page } from "../ui";
import { useApi } from "../useApi";

interface CredentialMeta {
  name: string;
  kid: string | null;
  created_at: string;
  updated_at: string;
}

/**
 * Credentials: names, key ids and dates. A new value is encrypted here, in the page, with Web Crypto (the
 * JS SDK's envelope), under the platform's encryption key the operator pastes; only the envelope is sent.
 * Neither the value nor the key is kept: the fields are cleared as soon as the envelope exists.
 */
export function Credentials() {
  const list = useApi<{ credentials: CredentialMeta[] }>("/v1/credentials");
  const platformKid = useApi<{ kid: string | null }>("/v1/credentials/key");
  const nameRef = useRef<HTMLInputElement>(null);
  const secretRef = useRef<HTMLInputElement>(null);
  const keyRef = useRef<HTMLInputElement>(null);
  const [error, setError] = useState<unknown>(null);
  const [note, setNote] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const save = async (e: FormEvent) => {
    e.preventDefault();
    const name = nameRef.current?.value.trim() ?? "";
    const secret = secretRef.current?.value ?? "";
    const key = keyRef.current?.value.trim() ?? "";
    setError(null);
    setNote(null);
    if (!/^[a-zA-Z0-9_.-]{1,64}$/.test(name)) return setError(new Error("Name: letters, digits, _ . - (1 to 64)"));
    if (!secret) return setError(new Error("Value: the secret to store"));
    setBusy(true);
    try {
      let kid: string;
      try {
        kid = await keyId(key);
      } catch {
        throw new Error(
          "Encryption key: 32 bytes, base64 (ENCRYPTION_KEY; acr dev keeps it in .arcrun/state/secrets.json)",
        );
      }
      const want = platformKid.data?.kid;
      if (want && kid !== want) throw new Error(`That encryption key (kid ${kid}) is not the platform's (kid ${want})`);
      const envelope = await encryptCredential(key, name, secret);
      if (secretRef.current) secretRef.current.value = "";
      if (keyRef.current) keyRef.current.value = "";
      await api("PUT", `/v1/credentials/${enc(name)}`, envelope);
      if (nameRef.current) nameRef.current.value = "";
      setNote(`Stored ${name} (encrypted in this page, kid ${kid})`);
      list.reload();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  const remove = async (name: string) => {
    if (!window.confirm(`Delete credential ${name}? Workflows using it will fail.`)) return;
    try {
      await api("DELETE", `/v1/credentials/${enc(name)}`);
      list.reload();
    } catch (err) {
      setError(err);
    }
  };
  return (
    <Page title="Credentials">
      <ErrorNote error={list.error} />
      {!list.data && !list.error && <Loading what="credentials" />}
      {list.data && (
        <div className="mb-6 overflow-x-auto rounded-lg border border-stone-700">
          <table className="w-full text-left text-sm">
            <thead className="bg-stone-900 text-stone-300">
              <tr>
                <th scope="col" className="px-3 py-2">
                  Name
                </th>
                <th scope="col" className="px-3 py-2">
                  Key id
                </th>
                <th scope="col" className="px-3 py-2">
                  Updated
                </th>
                <th scope="col" className="px-3 py-2">
                  <span className="sr-only">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {list.data.credentials.length === 0 && (
                <tr>
                  <td colSpan={4} className="px-3 py-2 text-stone-300">
                    No credentials yet.
                  </td>
                </tr>
              )}
              {list.data.credentials.map((c) => (
                <tr key={c.name} className="border-t border-stone-800">
                  <td className="px-3 py-2 font-mono">{c.name}</td>
                  <td className="px-3 py-2 font-mono text-stone-300">{c.kid ?? "—"}</td>
                  <td className="px-3 py-2 text-stone-300">{ago(c.updated_at)}</td>
                  <td className="px-3 py-2 text-right">
                    <Button kind="danger" className="!px-2 !py-0.5 text-xs" onClick={() => remove(c.name)}>
                      Delete<span className="sr-only"> {c.name}</span>
                    </Button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <form
        onSubmit={save}
        className="max-w-lg space-y-3 rounded-lg border border-stone-700 p-4"
        aria-labelledby="set-title"
      >
        <h2 id="set-title" className="text-lg font-semibold">
          Set a credential
        </h2>
        <p className="text-sm text-stone-300">
          The value is encrypted in this page (AES-GCM, Web Crypto) before it is sent; the platform stores only the
          envelope.
        </p>
        <label className="block text-sm">
          <span className="mb-1 block">Name</span>
          <input
            ref={nameRef}
            name="cred_name"
            autoComplete="off"
            spellCheck={false}
            className={`${inputClass} w-full font-mono`}
          />
        </label>
        <label className="block text-sm">
          <span className="mb-1 block">Value</span>
          <input
            ref={secretRef}
            name="cred_value"
            type="password"
            autoComplete="off"
            className={`${inputClass} w-full font-mono`}
          />
        </label>
        <label className="block text-sm">
          <span className="mb-1 block">
            Platform encryption key{platformKid.data?.kid ? ` (kid ${platformKid.data.kid})` : ""}
          </span>
          <input
            ref={keyRef}
            name="encryption_key"
            type="password"
            autoComplete="off"
            className={`${inputClass} w-full font-mono`}
          />
        </label>
        <ErrorNote error={error} />
        {note && (
          <p role="status" className="text-sm text-emerald-300">
            {note}
          </p>
        )}
        <Button kind="primary" type="submit" disabled={busy}>
          {busy ? "Encrypting…" : "Encrypt and store"}
        </Button>
      </form>
    </Page>
  );
}
