import type { HostFunction, HostFunctionName, SandboxLimits } from "../../lib/wasi-shim";
import type { CallContext, ComponentManifest } from "../types";
import { cryptoDecryptHost, cryptoSignHost } from "./crypto";
import { httpRequestHost } from "./http";
import { kvGetHost, kvPutHost } from "./kv";

export { maskSecrets } from "./http";
export { routeKey } from "./kv";
export { checkDestination, isPrivateHost } from "./ssrf";

/**
 * The `u6u` host functions bound to one call: the caller's tenant, the component's manifest
 * (allowed_hosts) and the call's limits. The runtime passes on only those the manifest declares.
 */
export function hostFunctionsFor(
  ctx: CallContext,
  manifest: ComponentManifest,
  limits: SandboxLimits,
): Record<HostFunctionName, HostFunction> {
  return {
    http_request: httpRequestHost(ctx, manifest, limits),
    kv_get: kvGetHost(ctx),
    kv_put: kvPutHost(ctx),
    crypto_decrypt: cryptoDecryptHost(ctx),
    crypto_sign_rs256: cryptoSignHost(ctx),
  };
}
