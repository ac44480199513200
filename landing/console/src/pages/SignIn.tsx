import { type FormEvent, useRef, useState } from "react";
import { api, type Tenant } from "../api";
import { Button, ErrorNote, inputClass } from "../ui";

/**
 * The API key is sent once, to `POST /v1/sessions`, which answers an HttpOnly cookie; the key is
 * dropped from the form right after and never written to storage.
 */
export function SignIn({ onSignedIn }: { onSignedIn: (t: Tenant) => void }) {
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const input = useRef<HTMLInputElement>(null);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const key = input.current?.value.trim() ?? "";
    if (input.current) input.current.value = "";
    if (!key) return setError(new Error("Paste an API key (acr_…): `npm start` prints where to find it"));
    setBusy(true);
    setError(null);
    try {
      onSignedIn(await api<Tenant>("POST", "/v1/sessions", undefined, { bearer: key, quiet401: true }));
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  return (
    <main className="flex min-h-screen items-center justify-center p-4">
      <form onSubmit={submit} className="w-full max-w-sm space-y-4 rounded-lg border border-stone-700 bg-stone-900 p-6">
        <h1 className="text-lg font-semibold">
          <span className="text-orange-400">arcrun</span> console
        </h1>
        <p className="text-sm text-stone-300">
          Sign in with an API key. It is exchanged for a session cookie and not kept by the browser.
        </p>
        <label className="block text-sm">
          <span className="mb-1 block">API key</span>
          <input
            ref={input}
            name="api_key"
            type="password"
            autoComplete="off"
            spellCheck={false}
            placeholder="acr_…"
            className={`${inputClass} w-full font-mono`}
          />
        </label>
        <ErrorNote error={error} />
        <Button kind="primary" type="submit" disabled={busy} className="w-full">
          {busy ? "Signing in…" : "Sign in"}
        </Button>
      </form>
    </main>
  );
}
