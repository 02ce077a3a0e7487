// Not part of the package (package.json does not list it, nothing imports it): `make lint-js`
// checks here that what each entry exports has the types index.d.ts declares for it. The error
// class is left out: errors.js sets `name` in its constructor, which TypeScript types as Error's
// `string` rather than the declared "ApothicError"; its `code` and details are typed in errors.js.
import * as browser from "./browser.js";
import * as deno from "./deno.js";
import * as inline from "./inline.js";
import * as node from "./node.js";
import * as workerd from "./workerd.js";

/** @type {Omit<typeof import("./index.js"), "ApothicError">[]} */
export const entries = [node, browser, workerd, deno, inline];
