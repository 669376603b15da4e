/**
 * Layering of src/ (issue 10): run by `npm run lint` as `depcruise src --config .dependency-cruiser.cjs`.
 *
 * The first-level folders of src/ and the top-level files (src/index.ts, src/version.ts) are the
 * nodes. They are listed below from top to bottom; a node may import only nodes listed AFTER it
 * (or itself). Every import therefore points strictly downwards in one total order, so there can
 * be no cycle between first-level folders — not even one that no module-level cycle shows (a/x → b/y
 * and b/z → a/w is a folder cycle without a module cycle; dependency-cruiser's `circular` works on
 * modules, so the order is what rules it out). Type-only and dynamic imports count
 * (`tsPreCompilationDeps: true`).
 *
 * Levels of the intended order (cli → serve → workflows → report → runs → bo → {design, explain,
 * latent, eval, baselines, tune, structure} → model → {uq, train} → nn → data → chem → plots →
 * {util, math, version.ts}). Inside a level the folders are peers; they are written in an order
 * that today's imports follow (design and explain use latent, baselines uses tune), so the peers
 * cannot form a cycle either. A new import between peers against this order means moving one
 * peer before the other here — which the rule then checks is still a consistent order.
 *
 * Extra rules: src/math is the base layer and imports nothing from src/ outside src/math; nothing
 * imports the package entry src/index.ts; no module-level cycle; a folder-scope `circular` rule
 * (dependency-cruiser's own folder-cycle check, at every folder depth) as a second line; and no
 * import that cannot be resolved.
 */

/** Top to bottom; inner arrays are levels of peers (in an order today's imports respect). */
const LEVELS = [
  ['cli'],
  ['index.ts'],
  ['serve'],
  ['workflows'],
  ['jobs'],
  ['report'],
  ['runs'],
  ['bo'],
  ['design', 'explain', 'eval', 'baselines', 'structure', 'tune', 'latent'],
  ['model'],
  ['uq', 'train'],
  ['nn'],
  ['data'],
  ['chem'],
  ['plots'],
  ['util', 'math', 'version.ts'],
];

const ORDER = LEVELS.flat();

/** Regex source matching a node: a folder (`src/x/…`) or a top-level file (`src/x.ts`). */
function nodePattern(node) {
  const escaped = node.replace(/\./g, '\\.');
  return node.endsWith('.ts') ? `^src/${escaped}$` : `^src/${escaped}/`;
}

const layerRules = ORDER.map((node, i) => {
  const above = ORDER.slice(0, i);
  return {
    name: `layer-${node}`,
    comment:
      above.length === 0
        ? `${node} is the top layer`
        : `src/${node} must not import a layer above it (${above.join(', ')}): imports point downwards only, so first-level folders cannot form a cycle`,
    severity: 'error',
    from: { path: nodePattern(node) },
    to: { path: above.map(nodePattern) },
  };
}).filter((r) => r.to.path.length > 0);

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    ...layerRules,
    {
      name: 'math-is-the-base',
      comment:
        'src/math is the base layer: it imports only node builtins and npm packages, nothing from src/ outside src/math',
      severity: 'error',
      from: { path: '^src/math/' },
      to: { path: '^src/', pathNot: '^src/math/' },
    },
    {
      name: 'chem-only-on-the-base',
      comment: 'src/chem (compositions, elements) builds only on src/util, src/math and src/version.ts',
      severity: 'error',
      from: { path: '^src/chem/' },
      to: { path: '^src/', pathNot: ['^src/(chem|util|math)/', '^src/version\\.ts$'] },
    },
    {
      name: 'no-import-of-package-entry',
      comment:
        'src/index.ts is the public entry of the package; code inside src/ imports the module that defines a thing, not the entry',
      severity: 'error',
      from: { path: '^src/' },
      to: { path: '^src/index\\.ts$' },
    },
    {
      name: 'no-folder-cycle',
      comment:
        'no circular dependency between folders (dependency-cruiser folder scope, every folder depth)',
      severity: 'error',
      scope: 'folder',
      from: { path: '^src/' },
      to: { circular: true },
    },
    {
      name: 'no-module-cycle',
      comment: 'no circular dependency between modules either (none today)',
      severity: 'error',
      from: { path: '^src/' },
      to: { circular: true },
    },
    {
      name: 'not-to-unresolvable',
      comment: 'an import that cannot be resolved (a moved or deleted module)',
      severity: 'error',
      from: {},
      to: { couldNotResolve: true },
    },
  ],
  options: {
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    doNotFollow: { path: 'node_modules' },
    // folder-level derivations (needed by the folder-scope rule)
    metrics: true,
    // resolve packages through their `exports` maps (csv-parse/sync, vega-lite, …)
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      mainFields: ['module', 'main', 'types', 'typings'],
    },
  },
};
