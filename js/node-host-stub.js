// The browser and workerd entries' `nodeHost`. The real one (node-host.js) needs Node's file
// system, so these entries export this stand-in, which says so when called.
/**
 * The browser and workerd entries' `nodeHost`: it needs Node's file system, so there it only
 * says so. It is exported by every entry so that code shared between runtimes imports the same
 * names everywhere (a missing export would break the bundle); node.js exports the real one
 * (node-host.js) instead.
 * @returns {never}
 */
export function nodeHost() {
  throw new Error(
    "nodeHost needs Node.js (node:fs), and this is the browser/workerd entry of @apothic/image; " +
      "use memoryHost(files) or your own ImageHost (readFile, readDir, …) here",
  );
}
