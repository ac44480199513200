import { type CredentialEnvelope, encryptCredential, keyId } from "../envelope.js";
import { ArcrunError } from "../http/errors.js";
import type { CallOptions, Transport } from "../http/transport.js";
import type { Body, Ok } from "../types.js";

const enc = encodeURIComponent;

/** `client.credentials`: secrets encrypted here (AES-GCM-256, Web Crypto) before they leave the process. */
export class Credentials {
  constructor(
    private readonly t: Transport,
    private readonly encryptionKey?: string,
  ) {}

  /**
   * Encrypts `secret` locally and stores the envelope (`PUT /v1/credentials/{name}`). A local key the
   * platform does not hold fails with ConflictError CREDENTIAL_KEY_MISMATCH, before anything is stored.
   *
   * @example
   * await arc.credentials.set("github", "ghp_…");
   */
  async set(
    name: string,
    secret: string,
    opts: CallOptions & { encryptionKey?: string } = {},
  ): Promise<Ok<"setCredential">> {
    const key = opts.encryptionKey ?? this.encryptionKey;
    if (!key) {
      throw new ArcrunError(0, "ENCRYPTION_KEY_MISSING", "No encryption key: pass encryptionKey to ArcrunClient");
    }
    return this.setEnvelope(await encryptCredential(key, name, secret), opts);
  }

  /** Same as {@link Credentials.set} (the name of earlier versions). */
  put(name: string, secret: string, opts: CallOptions & { encryptionKey?: string } = {}) {
    return this.set(name, secret, opts);
  }

  /** Stores an envelope encrypted elsewhere. */
  async setEnvelope(envelope: CredentialEnvelope, opts: CallOptions = {}): Promise<Ok<"setCredential">> {
    const path = `/v1/credentials/${enc(envelope.name)}`;
    return (await this.t.send<Ok<"setCredential">>({ ...opts, method: "PUT", path, body: envelope })).data;
  }

  /** Same as {@link Credentials.setEnvelope}. */
  putEnvelope(envelope: CredentialEnvelope, opts: CallOptions = {}) {
    return this.setEnvelope(envelope, opts);
  }

  /** `GET /v1/credentials`: names, key ids and dates; never a secret. */
  async list(opts: CallOptions = {}): Promise<Ok<"listCredentials">["credentials"]> {
    return (await this.t.send<Ok<"listCredentials">>({ ...opts, method: "GET", path: "/v1/credentials" })).data
      .credentials;
  }

  /** `GET /v1/credentials/{name}`: metadata. */
  async get(name: string, opts: CallOptions = {}): Promise<Ok<"setCredential">> {
    return (await this.t.send<Ok<"setCredential">>({ ...opts, method: "GET", path: `/v1/credentials/${enc(name)}` }))
      .data;
  }

  /** The stored envelope (ciphertext only), for re-encryption during a key rotation. */
  async envelope(name: string, opts: CallOptions = {}): Promise<CredentialEnvelope> {
    const path = `/v1/credentials/${enc(name)}`;
    const r = await this.t.send<{ envelope: CredentialEnvelope }>({
      ...opts,
      method: "GET",
      path,
      query: { envelope: 1 },
    });
    return r.data.envelope;
  }

  /** `DELETE /v1/credentials/{name}`. */
  async delete(name: string, opts: CallOptions = {}): Promise<void> {
    await this.t.send({ ...opts, method: "DELETE", path: `/v1/credentials/${enc(name)}` });
  }

  /** `GET /v1/credentials/key`: ids of the platform's key (and of the next during a rotation). */
  async key(opts: CallOptions & { usage?: boolean } = {}): Promise<Ok<"getCredentialKey">> {
    const query = { usage: opts.usage ? 1 : undefined };
    return (await this.t.send<Ok<"getCredentialKey">>({ ...opts, method: "GET", path: "/v1/credentials/key", query }))
      .data;
  }

  /** True when the local key is the platform's current (or next) key: check before a batch upload. */
  async keyMatches(encryptionKey = this.encryptionKey): Promise<boolean> {
    if (!encryptionKey) return false;
    const [mine, platform] = await Promise.all([keyId(encryptionKey), this.key()]);
    return mine === platform.kid || mine === platform.next_kid;
  }
}

/** `client.recipes`: API recipes (seed + your own). */
export class Recipes {
  constructor(private readonly t: Transport) {}

  /** `GET /v1/recipes?q=`: search. */
  async list(q?: string, opts: CallOptions = {}): Promise<Ok<"listRecipes">> {
    return (await this.t.send<Ok<"listRecipes">>({ ...opts, method: "GET", path: "/v1/recipes", query: { q } })).data;
  }

  /** `GET /v1/recipes/{id}` by id (rec_…) or canonical name. */
  async get(id: string, opts: CallOptions = {}): Promise<Ok<"getRecipe">> {
    return (await this.t.send<Ok<"getRecipe">>({ ...opts, method: "GET", path: `/v1/recipes/${enc(id)}` })).data;
  }

  /**
   * `PUT /v1/recipes/{id}`: store one of yours, `{ recipe, exposure_consent }` (the consent a human gave
   * after reading {@link Recipes.review}, needed when the recipe's exposure is new).
   */
  async set(id: string, push: Body<"setRecipe">, opts: CallOptions = {}): Promise<Ok<"setRecipe">> {
    const r = { ...opts, method: "PUT" as const, path: `/v1/recipes/${enc(id)}`, body: push };
    return (await this.t.send<Ok<"setRecipe">>(r)).data;
  }

  /** `POST /v1/recipes/review`: the exposure review of a recipe, nothing stored. */
  async review(recipe: Record<string, unknown>, opts: CallOptions = {}): Promise<Ok<"reviewRecipe">> {
    const r = { ...opts, method: "POST" as const, path: "/v1/recipes/review", body: { recipe }, idempotent: true };
    return (await this.t.send<Ok<"reviewRecipe">>(r)).data;
  }

  /** `POST /v1/recipes/{id}/test`: one real call with your credential; status, latency, diagnosis. */
  async test(id: string, check: Body<"testRecipe"> = {}, opts: CallOptions = {}): Promise<Ok<"testRecipe">> {
    const path = `/v1/recipes/${enc(id)}/test`;
    return (await this.t.send<Ok<"testRecipe">>({ ...opts, method: "POST", path, body: check })).data;
  }

  /** `POST /v1/recipes/{id}/run`: run once with `input` (what a workflow step does). */
  async run(id: string, input: Record<string, unknown> = {}, opts: CallOptions & { runTimeoutMs?: number } = {}) {
    const body: Body<"runRecipe"> = { input, ...(opts.runTimeoutMs ? { timeout_ms: opts.runTimeoutMs } : {}) };
    const path = `/v1/recipes/${enc(id)}/run`;
    return (await this.t.send<Ok<"runRecipe">>({ ...opts, method: "POST", path, body })).data;
  }

  /** `POST /v1/init/seed`: write the bundled seed recipes (admin only; idempotent). */
  async seed(opts: CallOptions = {}): Promise<Ok<"seedRecipes">> {
    return (await this.t.send<Ok<"seedRecipes">>({ ...opts, method: "POST", path: "/v1/init/seed", idempotent: true }))
      .data;
  }
}

/** `client.authRecipes`: how to authenticate against a service. */
export class AuthRecipes {
  constructor(private readonly t: Transport) {}

  async list(opts: CallOptions = {}): Promise<Ok<"listAuthRecipes">> {
    return (await this.t.send<Ok<"listAuthRecipes">>({ ...opts, method: "GET", path: "/v1/auth-recipes" })).data;
  }

  async get(service: string, opts: CallOptions = {}): Promise<Ok<"getAuthRecipe">> {
    const path = `/v1/auth-recipes/${enc(service)}`;
    return (await this.t.send<Ok<"getAuthRecipe">>({ ...opts, method: "GET", path })).data;
  }

  /** `PUT /v1/auth-recipes/{service}`: `{ recipe, exposure_consent }`, as for API recipes. */
  async set(service: string, push: Body<"setAuthRecipe">, opts: CallOptions = {}): Promise<Ok<"setAuthRecipe">> {
    const path = `/v1/auth-recipes/${enc(service)}`;
    return (await this.t.send<Ok<"setAuthRecipe">>({ ...opts, method: "PUT", path, body: push })).data;
  }

  async test(service: string, check: Body<"testAuthRecipe"> = {}, opts: CallOptions = {}) {
    const path = `/v1/auth-recipes/${enc(service)}/test`;
    return (await this.t.send<Ok<"testAuthRecipe">>({ ...opts, method: "POST", path, body: check })).data;
  }
}

/** `client.components`: the built-in WASM components. */
export class Components {
  constructor(private readonly t: Transport) {}

  async list(opts: CallOptions = {}): Promise<Ok<"listComponents">> {
    return (await this.t.send<Ok<"listComponents">>({ ...opts, method: "GET", path: "/v1/components" })).data;
  }

  async get(name: string, opts: CallOptions = {}): Promise<Ok<"getComponent">> {
    const path = `/v1/components/${enc(name)}`;
    return (await this.t.send<Ok<"getComponent">>({ ...opts, method: "GET", path })).data;
  }

  /**
   * `POST /v1/components/{name}/call`: run one component once, as the caller. A component that can send
   * data out (http_request, auth_oauth2, auth_service_account) needs `exposureConsent`, as a deploy does
   * (PermissionDeniedError EXPOSURE_CONSENT_REQUIRED otherwise).
   *
   * @example
   * await arc.components.call("http_request", { url }, { exposureConsent: { confirmed_by_human: true, understood: true, confirmed_at } });
   */
  async call(
    name: string,
    input: unknown,
    opts: CallOptions &
      Omit<NonNullable<Body<"callComponent">>, "input"> & { exposureConsent?: string | Record<string, unknown> } = {},
  ): Promise<Ok<"callComponent">> {
    const { limits, debug, exposureConsent: c } = opts;
    const headers = {
      ...opts.headers,
      ...(c ? { "x-arcrun-exposure-consent": typeof c === "string" ? c : JSON.stringify(c) } : {}),
    };
    const path = `/v1/components/${enc(name)}/call`;
    const body = { input, limits, debug };
    return (await this.t.send<Ok<"callComponent">>({ ...opts, headers, method: "POST", path, body })).data;
  }
}

/** `client.keys`: API keys. */
export class Keys {
  constructor(private readonly t: Transport) {}

  /** `POST /v1/keys` (admin key): a new key; its secret is in the answer only. */
  async create(body: Body<"createKey"> = {}, opts: CallOptions = {}): Promise<Ok<"createKey">> {
    return (await this.t.send<Ok<"createKey">>({ ...opts, method: "POST", path: "/v1/keys", body })).data;
  }

  /** `GET /v1/keys`: API keys, oldest first, never a secret (an admin key sees all, a user key itself). */
  async list(opts: CallOptions = {}): Promise<Ok<"listKeys">["keys"]> {
    return (await this.t.send<Ok<"listKeys">>({ ...opts, method: "GET", path: "/v1/keys" })).data.keys;
  }

  /**
   * `DELETE /v1/keys/{id}` with an id from {@link Keys.list}: refused at once here, everywhere within
   * `propagation_seconds`.
   */
  async revoke(id: string, opts: CallOptions = {}): Promise<Ok<"revokeKey">> {
    return (await this.t.send<Ok<"revokeKey">>({ ...opts, method: "DELETE", path: `/v1/keys/${enc(id)}` })).data;
  }

  /** `GET /v1/whoami`: the caller's namespace and role. */
  async whoami(opts: CallOptions = {}): Promise<Ok<"getWhoami">> {
    return (await this.t.send<Ok<"getWhoami">>({ ...opts, method: "GET", path: "/v1/whoami" })).data;
  }
}
