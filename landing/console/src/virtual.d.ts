/** Built-in components' example inputs and workflow snippets (console/build/component-examples.ts). */
declare module "virtual:component-examples" {
  const examples: Record<string, { input?: unknown; yaml?: string }>;
  export default examples;
}
