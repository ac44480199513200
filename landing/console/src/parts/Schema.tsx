/** A component's input schema as a table of fields, and an example input built from it when none is known. */

type Schema = Record<string, unknown>;

function typeOf(s: Schema): string {
  if (Array.isArray(s.enum)) return s.enum.map((v) => JSON.stringify(v)).join(" | ");
  if (Array.isArray(s.type)) return s.type.join(" | ");
  if (typeof s.type === "string") return s.type === "array" && isSchema(s.items) ? `${typeOf(s.items)}[]` : s.type;
  if (Array.isArray(s.oneOf ?? s.anyOf)) return ((s.oneOf ?? s.anyOf) as Schema[]).map(typeOf).join(" | ");
  return "any";
}

const isSchema = (v: unknown): v is Schema => typeof v === "object" && v !== null && !Array.isArray(v);

function properties(schema: Schema): Array<[string, Schema]> {
  return isSchema(schema.properties)
    ? Object.entries(schema.properties).filter((e): e is [string, Schema] => isSchema(e[1]))
    : [];
}

/**
 * An input to start from: required fields and fields with an enum or default (enum's first value, the default,
 * or a placeholder naming the field).
 *
 * @example
 * exampleFromSchema({ required: ["url"], properties: { url: { type: "string" } } }) // { url: "<url>" }
 */
export function exampleFromSchema(schema: Schema): Record<string, unknown> {
  const required = new Set(Array.isArray(schema.required) ? (schema.required as string[]) : []);
  const out: Record<string, unknown> = {};
  for (const [name, s] of properties(schema)) {
    if (!required.has(name) && s.default === undefined && !Array.isArray(s.enum)) continue;
    if (s.default !== undefined) out[name] = s.default;
    else if (Array.isArray(s.enum)) out[name] = s.enum[0];
    else if (s.type === "integer" || s.type === "number") out[name] = 0;
    else if (s.type === "boolean") out[name] = false;
    else if (s.type === "array") out[name] = [];
    else if (s.type === "object") out[name] = {};
    else out[name] = `<${name}>`;
  }
  return out;
}

/**
 * @example
 * <SchemaTable schema={manifest.input_schema} label="set input" />
 */
export function SchemaTable({ schema, label }: { schema: Schema; label: string }) {
  const fields = properties(schema);
  const required = new Set(Array.isArray(schema.required) ? (schema.required as string[]) : []);
  if (fields.length === 0)
    return (
      <p className="text-xs text-stone-300">
        {typeof schema.description === "string" ? schema.description : `Any input (${typeOf(schema)}).`}
      </p>
    );
  return (
    <div className="overflow-x-auto rounded border border-stone-700">
      <table className="w-full text-left text-xs" aria-label={label}>
        <thead className="bg-stone-950 text-stone-300">
          <tr>
            <th scope="col" className="px-2 py-1">
              Field
            </th>
            <th scope="col" className="px-2 py-1">
              Type
            </th>
            <th scope="col" className="px-2 py-1">
              Description
            </th>
          </tr>
        </thead>
        <tbody>
          {fields.map(([name, s]) => (
            <tr key={name} className="border-t border-stone-800 align-top">
              <td className="px-2 py-1 font-mono">
                {name}
                {required.has(name) && <span className="text-amber-300"> (required)</span>}
              </td>
              <td className="px-2 py-1 font-mono break-all text-stone-300">{typeOf(s)}</td>
              <td className="px-2 py-1 text-stone-300">{typeof s.description === "string" ? s.description : ""}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {schema.additionalProperties !== false && (
        <p className="border-t border-stone-800 px-2 py-1 text-[11px] text-stone-400">Other fields are allowed.</p>
      )}
    </div>
  );
}
