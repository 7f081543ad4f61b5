import { main } from "../../src/cli/main.js";
import { tempDir } from "../helpers.js";

/** Runs the CLI in-process with its own cache folder, capturing what it prints. */
export async function runCli(argv: string[], env: NodeJS.ProcessEnv = {}, stdin?: string): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = "";
  let stderr = "";
  const saved = process.env;
  process.env = { ...saved, XDG_CACHE_HOME: tempDir(), ...env };
  try {
    const io = { stdout: (t: string) => (stdout += t), stderr: (t: string) => (stderr += t), ...(stdin !== undefined ? { stdin: async () => Buffer.from(stdin) } : {}) };
    const code = await main(argv, io);
    return { code, stdout, stderr };
  } finally {
    process.env = saved;
  }
}
