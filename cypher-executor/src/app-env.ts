import type { Tenant } from "./auth/api-keys";
import type { Env } from "./env";

/** Hono's type parameters for every arcrun route. */
export interface AppEnv {
  Bindings: Env;
  Variables: { tenant: Tenant };
}
