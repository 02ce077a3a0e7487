// Errors in the user's words: a file that is not there (`FILE_NOT_FOUND`, or a host call that
// failed: `host.readFile("x") rejected: memoryHost: …`) says which file or module is missing from
// the files panel, not which callback of which host.

/** The message of `e` as a person using the console reads it (other messages as they are). */
export function plainMessage(e: { code: string; message: string }): string {
  if (e.code === "FILE_NOT_FOUND") {
    // `"x" does not exist (host.realPath rejected: memoryHost: …)`: the host's part is noise here.
    const said = e.message.replace(/\s*\(host\.\w+ rejected: [\s\S]*\)$/, "");
    return `${said}: it is not in the files panel (drop it in, or add it with New file${/module/.test(said) ? "; check the Python path" : ""})`;
  }
  if (e.code !== "HOST_CALLBACK_FAILED") return e.message;
  const module = /resolvePythonModule\("([^"]+)"\)[\s\S]*no module named/.exec(e.message);
  if (module) {
    const path = module[1].replace(/\./g, "/");
    return `the Python module "${module[1]}" is not in the files: add ${path}/__init__.py or ${path}.py (under a folder of the Python path, if it has one)`;
  }
  const missing = /host\.(?:realPath|readFile|readDir|stat|hashFile)\("([^"]*)"\)[\s\S]*no such file/.exec(e.message);
  if (missing) return `"${missing[1]}" is not in the files: drop it in, or add it with New file`;
  return e.message.replace(/^host\.\w+\([^)]*\) rejected: (?:memoryHost: )?/, "");
}
