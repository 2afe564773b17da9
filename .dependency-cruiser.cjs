// The layering of upshift, enforced in `npm test` (test/architecture/layers.test.ts runs this).
// Lowest first; a folder may import only the folders listed for it. The README's "Architecture"
// section draws the same picture. A wrong import fails with the rule's name, e.g. "engine-layer".
const core = 'src/(errors|optional|lazy|config)\\.ts$';
/** A rule: files under `folder` may import only `allowed` (folders of src/, or 'codegen'). */
function layer(name, folder, allowed, comment) {
  const own = folder === 'codegen' ? '^codegen/' : `^src/${folder}/`;
  const ok = [own, ...allowed.map((a) => (a === 'codegen' ? '^codegen/' : `^src/${a}/`)), `^${core}`];
  return {
    name,
    comment,
    severity: 'error',
    from: { path: own },
    to: { path: '^(src|codegen)/', pathNot: ok.join('|') },
  };
}
module.exports = {
  forbidden: [
    {
      name: 'core-layer',
      comment: 'errors, optional, lazy and config are the floor: they import nothing of ours',
      severity: 'error',
      from: { path: `^${core}` },
      to: { path: '^(src|codegen)/', pathNot: `^${core}` },
    },
    layer('sql-layer', 'sql', [], 'SQL text (quoting, literals, $n inlining) stands on nothing'),
    layer('model-layer', 'model', ['sql'], 'models know SQL text, nothing of staging or warehouses'),
    layer('s3-layer', 's3', [], 'the one S3 access layer: bytes and keys, no rows'),
    layer(
      'dialect-layer',
      'dialect',
      ['model', 'sql'],
      'one object per SQL dialect: types, DDL, literals, capabilities',
    ),
    layer('stage-layer', 'stage', ['model', 'sql', 's3'], 'rows to files; knows no warehouse'),
    layer('warehouse-layer', 'warehouse', ['dialect', 'stage', 'model', 'sql', 's3'], 'runs plans; knows no engine'),
    layer(
      'engine-layer',
      'engine',
      ['warehouse', 'dialect', 'stage', 'model', 'sql', 's3'],
      'builds plans; sources plug in from above',
    ),
    layer(
      'sources-layer',
      'sources',
      ['engine', 'warehouse', 'dialect', 'stage', 'model', 'sql', 's3'],
      'inputs for the engine',
    ),
    layer(
      'toolbox-layer',
      'toolbox',
      ['warehouse', 'dialect', 'stage', 'model', 'sql', 's3'],
      'S3Files and helpers over a warehouse',
    ),
    layer('codegen-layer', 'codegen', ['warehouse', 'dialect', 'model', 'sql'], 'introspect, render, diff and migrate'),
    layer(
      'cli-layer',
      'cli',
      ['codegen', 'toolbox', 'sources', 'engine', 'warehouse', 'dialect', 'stage', 'model', 'sql', 's3', 'emulator'],
      'the command; everything but tests',
    ),
    layer(
      'emulator-layer',
      'emulator',
      ['sql'],
      'the local Redshift depends on nothing of the loader (SQL text helpers aside), so it tests it from outside',
    ),
    {
      name: 'root-exports-no-cli',
      comment: 'the library root re-exports the library, never the CLI, codegen or the emulator',
      severity: 'error',
      from: { path: '^src/index\\.ts$' },
      to: { path: '^src/(cli|emulator)/|^codegen/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(node_modules|dist|test|bench|examples)/' },
    tsConfig: { fileName: 'tsconfig.json' },
    tsPreCompilationDeps: true,
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      extensions: ['.ts', '.js'],
    },
  },
};
