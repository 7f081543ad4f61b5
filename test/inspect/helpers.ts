// Real sdist archives built at test time (GNU tar for tar files, Python's
// zipfile for zips, so the readers are checked against independent writers)
// and a loopback server that streams them from disk.

import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { closeSync, createReadStream, mkdirSync, openSync, readSync, statSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { dirname, join } from "node:path";
import { tempDir } from "../helpers.js";

/** Writes `files` (paths relative to `top`) into a new folder; returns the folder holding `top`. */
export function sourceTree(top: string, files: Record<string, string | Buffer>): string {
  const dir = tempDir("lock2nix-sdist-");
  for (const [path, content] of Object.entries(files)) {
    const full = join(dir, top, path);
    mkdirSync(dirname(full), { recursive: true });
    writeFileSync(full, content);
  }
  return dir;
}

export type TarFormat = "gnu" | "pax" | "ustar";

/** `dir/top` as a tar (`.tar`, `.tar.gz`/`.tgz`, `.tar.bz2`, by `out`'s name), sorted like setuptools' sdists. */
export function tarArchive(dir: string, top: string, out: string, format: TarFormat = "gnu"): string {
  const compress = out.endsWith(".bz2") ? ["-j"] : out.endsWith(".tar") ? [] : ["-z"];
  execFileSync("tar", ["-c", ...compress, `--format=${format}`, "--sort=name", "-f", out, "-C", dir, top]);
  return out;
}

/** `dir/top` as a deflated zip, with directory entries, via Python's zipfile. */
export function zipArchive(dir: string, top: string, out: string): string {
  const script = `
import os, sys, zipfile
root, top, out = sys.argv[1:4]
with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
    for folder, dirs, files in os.walk(os.path.join(root, top)):
        dirs.sort()
        z.write(folder, os.path.relpath(folder, root))
        for name in sorted(files):
            path = os.path.join(folder, name)
            z.write(path, os.path.relpath(path, root))
`;
  execFileSync("python3", ["-c", script, dir, top, out]);
  return out;
}

/** Hashes a file in pieces, so a large one does not sit in memory. */
export function sha256File(path: string): string {
  const hash = createHash("sha256");
  const buffer = Buffer.alloc(1024 * 1024);
  const fd = openSync(path, "r");
  try {
    for (let n; (n = readSync(fd, buffer)) > 0; ) hash.update(buffer.subarray(0, n));
  } finally {
    closeSync(fd);
  }
  return hash.digest("hex");
}

export interface FileServer {
  url(name: string): string;
  /** Requests received, by path. */
  requests: string[];
  close(): Promise<void>;
}

/** Serves the files of `dir` by name, streamed from disk. */
export async function serveFiles(dir: string): Promise<FileServer> {
  const requests: string[] = [];
  const server: Server = createServer((req, res) => {
    const name = decodeURIComponent((req.url ?? "/").slice(1));
    requests.push(name);
    const path = join(dir, name);
    let size: number;
    try {
      size = statSync(path).size;
    } catch {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { "content-type": "application/octet-stream", "content-length": String(size) });
    createReadStream(path).pipe(res);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: (name) => `http://127.0.0.1:${port}/${encodeURIComponent(name)}`,
    requests,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((err) => (err ? reject(err) : resolve()));
      }),
  };
}
