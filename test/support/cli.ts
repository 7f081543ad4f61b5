import { main } from "../../src/cli/main.js";
import { tempDir } from "../helpers.js";

/** Runs the CLI in-process with its own cache folder, capturing what it prints. */
export async function runCli(argv: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = "";
  let stderr = "";
  const saved = process.env;
  process.env = { ...saved, XDG_CACHE_HOME: tempDir(), ...env };
  try {
    const code = await main(argv, { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t) });
    return { code, stdout, stderr };
  } finally {
    process.env = saved;
  }
}
