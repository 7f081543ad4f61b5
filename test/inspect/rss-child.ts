// Run in a child process by large.test.ts, so its peak RSS is this work's alone.
//   inspect URL FILENAME SHA256 CACHEDIR   inspects an sdist
//   hold PATH                              reads a file whole into memory: the
//                                          control showing that the measurement
//                                          sees an archive held in memory
import { readFileSync } from "node:fs";
import { HttpClient } from "../../src/index/http.js";
import { inspectSdist } from "../../src/inspect/index.js";

const [mode, ...args] = process.argv.slice(2);
let result: unknown;
if (mode === "hold") {
  result = readFileSync(args[0]!).length;
} else {
  const [url, filename, sha256, cacheDir] = args as [string, string, string, string];
  const http = new HttpClient({ retries: 0 });
  result = await inspectSdist({ url, filename, sha256, http, cacheDir });
  await http.close();
}
// maxRSS is in kibibytes.
process.stdout.write(JSON.stringify({ result, maxRss: process.resourceUsage().maxRSS * 1024 }));
