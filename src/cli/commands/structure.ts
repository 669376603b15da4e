/** `vibann structure …`: the subcommands live in ./structure/ (one small module each). */
export { register } from './structure/index.ts';
