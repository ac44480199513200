import pkg from "../package.json";

/** The platform's semver, from cypher-executor/package.json. */
export const VERSION: string = pkg.version;
