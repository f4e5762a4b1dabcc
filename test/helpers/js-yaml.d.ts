// js-yaml comes with eslint (a dev dependency) and has no types of its own: the one call the ACL
// tests use as a reference YAML reader.
declare module 'js-yaml' {
  const yaml: { load(text: string): unknown };
  export default yaml;
}
