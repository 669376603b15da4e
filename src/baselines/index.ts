/** Classical baselines on the same split and features as VIBANN (SPEC §7). */
export * from './ensemble.ts';
export * from './features.ts';
export * from './gp.ts';
export * from './knn.ts';
export * from './linear.ts';
export * from './mlp.ts';
export * from './models.ts';
export * from './nelderMead.ts';
export * from './runner.ts';
export * from './tree.ts';
