// The TypeScript view: the builder chain as code, printed from the model and parsed back. Nothing
// is ever evaluated: code the parser does not understand is an error with its position, never run.
//
// One job a module, in chain/: `tokens` (the tokenizer), `syntax` (tokens → the chain's syntax
// tree), `to-model` (syntax tree → model, checking every literal against its field), `locate` (an
// error's argument path → the range of code it names), `print` (model → code), `patch` (a form
// edit written into the code, keeping the rest) and `errors`.
// This module is what the rest of the console (and the Node tests) import.

export type { CodeError } from "./chain/errors.ts";
export { locateArgument } from "./chain/locate.ts";
export { patchCode, type Patch } from "./chain/patch.ts";
export { modelToCode } from "./chain/print.ts";
export { parseChain } from "./chain/syntax.ts";
export { parseModel } from "./chain/to-model.ts";
