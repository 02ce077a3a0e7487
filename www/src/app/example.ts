// The example project (the "Example project" button): a few files of each kind resolution reads
// (requirements, pyproject.toml, .env, a source folder with a cache to skip, an executable script,
// data attached at start) and the chain that uses them.

/** A small project to try resolution with (the "Example project" button). */
export function exampleProject(): { files: [string, Uint8Array][]; modes: Record<string, number>; pythonPath: string[] } {
  const encoder = new TextEncoder();
  const t = (s: string) => encoder.encode(s);
  return {
    files: [
      ["requirements.txt", t("-r requirements/base.txt\nrequests==2.32.3\n")],
      ["requirements/base.txt", t("numpy>=2\npandas>=2.2\n")],
      [
        "pyproject.toml",
        t(`[project]\nname = "demo"\nversion = "0.1.0"\ndependencies = ["fastapi>=0.115", "uvicorn[standard]"]\n\n[project.optional-dependencies]\ndev = ["pytest>=8"]\n`),
      ],
      [".env", t("# runtime settings\nAPP_ENV=production\nexport PORT=8080\nGREETING='hello $USER'\n")],
      ["src/app/__init__.py", t("")],
      ["src/app/main.py", t('def handler(event):\n    return {"ok": True}\n')],
      ["src/app/__pycache__/main.cpython-312.pyc", new Uint8Array([0x55, 0x0d, 0x0d, 0x0a, 0, 0, 0, 0])],
      ["scripts/entrypoint.sh", t('#!/bin/sh\nexec python -m app.main "$@"\n')],
      ["data/README.md", t("Mounted at container start, not baked into the image.\n")],
    ],
    modes: { "scripts/entrypoint.sh": 0o755 },
    pythonPath: ["src"],
  };
}

/** The example's image as code: a chain whose steps read the example's files. */
export const EXAMPLE_CODE = `import { Image } from "@apothic/image";

export const image = Image.debianSlim({ pythonVersion: "3.12" })
  .aptInstall(["git", "curl"])
  .pipInstallFromRequirements("requirements.txt")
  .uvPipInstallFromPyproject("pyproject.toml", { optionalDependencies: ["dev"] })
  .envFile(".env")
  .copyLocalDir("src", "/app/src", { ignore: ["**/__pycache__"] })
  .copyLocalFile("scripts/entrypoint.sh", "/usr/local/bin/")
  .workdir("/app")
  .addLocalDir("data", "/data");
`;
