// Writes the committed outputs of examples/pip-app and examples/monorepo again:
//
//   node --import tsx test/config/regenerate-examples.ts
//
// Offline: the pip-compile files name hashes but not files, and the one
// question lock2nix asks PyPI about them (which file has which hash, at
// which URL) is answered from real lockfiles in ../shared/corpus that
// record the same releases' PyPI files (see corpus-index.ts). With network,
// `lock2nix generate` in examples/monorepo and
// `lock2nix generate examples/pip-app -o examples/pip-app/lock.nix` write the same files.

import { join } from "node:path";
import { loadConfig } from "../../src/config/index.js";
import { projectJob, runJobs, type Job } from "../../src/config/run.js";
import { corpusPypiClient } from "./corpus-index.js";

export const EXAMPLES = join(import.meta.dirname, "..", "..", "examples");

/** The jobs that write the examples' outputs, as the README commands give them. */
export function exampleJobs(): Job[] {
  const pipApp = join(EXAMPLES, "pip-app");
  return [
    { name: "pip-app", options: { path: pipApp, output: join(pipApp, "lock.nix") } },
    ...loadConfig(join(EXAMPLES, "monorepo", "lock2nix.yaml")).projects.map((p) => projectJob(p)),
  ];
}

if (process.argv[1] === import.meta.filename) {
  delete process.env["PIP_INDEX_URL"];
  const { report } = await runJobs(exampleJobs(), { client: corpusPypiClient(), offline: true });
  for (const p of report.projects) console.log(`${p.name}: ${p.status}${p.error ? ` ${p.error}` : ""}`);
  process.exitCode = report.ok ? 0 : 1;
}
