// A loopback package index made of real lock data, and guards that keep a
// run on loopback. The index answers the simple API (PEP 691 JSON and PEP
// 503 HTML, by content negotiation) for every release whose file names and
// sha256 the locks in ../shared/corpus record (uv.lock, poetry.lock,
// pdm.lock, pylock.toml), so locks that give hashes without file names
// (Pipfile.lock) or no hashes at all (requirements files) can be generated
// without PyPI. It serves no file contents: it knows only names, URLs and
// hashes (startIndexServer computes hashes from contents, so it cannot).
//
// guardNetwork() refuses, as a DNS failure would, every connection this
// process opens to anything but 127.0.0.1, and records it; gitGuard() puts
// a `git` on PATH that records each call and lets git use no transport but
// file://, so a git dependency cannot reach the network either.

import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import net, { type AddressInfo } from "node:net";
import { join } from "node:path";
import { predictPypiUrl } from "../../src/index/pypi-urls.js";
import { parseSdistFilename, parseWheelFilename } from "../../src/pep/tags.js";
import { CORPUS, tempDir } from "../helpers.js";
import { negotiateSimple, normalizeName, SIMPLE_API_VERSION, SIMPLE_JSON } from "./index-formats.js";

export interface CorpusIndexFile {
  /** PEP 503-normalized project name. */
  project: string;
  version: string;
  filename: string;
  url: string;
  sha256: string;
}

/** The release a file name holds, or undefined when it does not parse. */
function releaseOf(filename: string): { project: string; version: string } | undefined {
  try {
    if (filename.endsWith(".whl")) {
      const w = parseWheelFilename(filename);
      return { project: normalizeName(w.name), version: w.version };
    }
    const s = parseSdistFilename(filename);
    return s ? { project: normalizeName(s.name), version: s.version } : undefined;
  } catch {
    return undefined;
  }
}

function walk(dir: string): string[] {
  return readdirSync(dir)
    .sort()
    .flatMap((name) => {
      const path = join(dir, name);
      return statSync(path).isDirectory() ? walk(path) : [path];
    });
}

/**
 * A file entry of uv.lock (`{ url = "…/f.whl", hash = "sha256:…" }`), poetry.lock and pdm.lock
 * (`{file = "f.whl", hash = "sha256:…"}`, pdm also `url`) or pylock.toml
 * (`{name = "f.whl", url = "…", hashes = {sha256 = "…"}}`): the first string, and the sha256.
 */
const ENTRY = /\{\s*(?:file|name|url) = "([^"]+)"[^\n}]*?(?:hash = "sha256:|hashes = \{\s*sha256 = ")([0-9a-f]{64})"/g;

let cached: { files: CorpusIndexFile[]; conflicts: string[] } | undefined;

/**
 * Every file the corpus' uv.lock, poetry.lock, pdm.lock and pylock.toml files
 * name with a sha256 (as test/config/corpus-index.ts collects uv's), once per
 * file name (a name one lock gives several hashes is left out): where two
 * locks disagree on a file's hash the first (in path order) wins and
 * `conflicts` names the other. The URL is the one the lock
 * records on files.pythonhosted.org, else the one fetchPypi predicts.
 */
export function corpusIndexFiles(): { files: CorpusIndexFile[]; conflicts: string[] } {
  if (cached) return cached;
  const byName = new Map<string, CorpusIndexFile>();
  const conflicts: string[] = [];
  for (const path of walk(CORPUS).filter((p) => /(?:^|\/)(?:uv\.lock|poetry\.lock|pdm\.lock|pylock\.(?:[^/]+\.)?toml)$/.test(p))) {
    const entries = [...readFileSync(path, "utf8").matchAll(ENTRY)].map((m) => [m[1], m[2]] as [string, string]);
    // A name a lock gives several hashes (the corpus' pylock.toml names many wheels `…-py3-none-any.whl`) names none of them.
    const hashesOf = new Map<string, Set<string>>();
    for (const [first, sha256] of entries) hashesOf.set(first, (hashesOf.get(first) ?? new Set()).add(sha256));
    for (const [first, sha256] of entries) {
      if ((hashesOf.get(first) as Set<string>).size > 1) continue;
      let filename: string;
      try {
        filename = decodeURIComponent(first.split("/").pop() as string);
      } catch {
        continue;
      }
      const release = releaseOf(filename);
      if (!release) continue;
      const known = byName.get(filename);
      if (known) {
        if (known.sha256 !== sha256) conflicts.push(`${filename} (${path.slice(CORPUS.length + 1)})`);
        continue;
      }
      const url = first.startsWith("https://files.pythonhosted.org/packages/") ? first : predictPypiUrl(filename);
      byName.set(filename, { ...release, filename, url, sha256 });
    }
  }
  cached = { files: [...byName.values()].sort((a, b) => (a.filename < b.filename ? -1 : 1)), conflicts };
  return cached;
}

export interface CorpusIndexRequest {
  method: string;
  path: string;
  accept: string | undefined;
  status: number;
}

export interface CorpusIndex {
  /** http://127.0.0.1:PORT */
  url: string;
  /** http://127.0.0.1:PORT/simple/ */
  simpleUrl: string;
  port: number;
  requests: CorpusIndexRequest[];
  /** Whether the index has a file of `name` `version` (a name as any lock spells it). */
  serves(name: string, version: string): boolean;
  /** Whether the index has the file with this sha256. */
  hasHash(sha256: string): boolean;
  close(): Promise<void>;
}

const esc = (s: string): string => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");

/**
 * Serves `files` as a simple API on 127.0.0.1: `GET /simple/<name>/`, JSON
 * (`{"meta":{"api-version":"1.1"},"name","files":[{filename,url,hashes,yanked}],"versions"}`)
 * or PEP 503 HTML as the Accept header asks; `htmlOnly` answers HTML whatever
 * it asks, as an old mirror does. Names not normalized are redirected (as
 * PyPI does), unknown ones get 404, every other path 404 too.
 */
export async function startCorpusIndex(files: CorpusIndexFile[], options: { htmlOnly?: boolean } = {}): Promise<CorpusIndex> {
  const projects = new Map<string, CorpusIndexFile[]>();
  for (const f of files) projects.set(f.project, [...(projects.get(f.project) ?? []), f]);
  const releases = new Set(files.map((f) => `${f.project}@${f.version}`));
  const hashes = new Set(files.map((f) => f.sha256));
  const requests: CorpusIndexRequest[] = [];
  let base = "";

  function answer(req: IncomingMessage, res: ServerResponse): void {
    const method = req.method ?? "GET";
    const path = new URL(req.url ?? "/", "http://x").pathname;
    const log: CorpusIndexRequest = { method, path, accept: req.headers.accept, status: 0 };
    requests.push(log);
    const send = (status: number, type: string, body: string, extra: Record<string, string> = {}) => {
      log.status = status;
      res.writeHead(status, { "Content-Type": type, "Content-Length": String(Buffer.byteLength(body)), ...extra });
      res.end(method === "HEAD" ? undefined : body);
    };
    const m = /^\/simple\/([^/]+)\/?$/.exec(path);
    if ((method !== "GET" && method !== "HEAD") || !m) return send(404, "text/plain", "404 Not Found\n");
    let name: string;
    try {
      name = decodeURIComponent(m[1] as string);
    } catch {
      return send(404, "text/plain", "404 Not Found\n");
    }
    const norm = normalizeName(name);
    if (name !== norm || !path.endsWith("/")) return send(301, "text/plain", "301 Moved Permanently\n", { Location: `${base}/simple/${encodeURIComponent(norm)}/` });
    const project = projects.get(norm);
    if (!project) return send(404, "text/plain", "404 Not Found\n");
    const type = options.htmlOnly ? "text/html" : negotiateSimple(req.headers.accept);
    if (type === SIMPLE_JSON) {
      const body = JSON.stringify({
        meta: { "api-version": SIMPLE_API_VERSION },
        name: norm,
        files: project.map((f) => ({ filename: f.filename, url: f.url, hashes: { sha256: f.sha256 }, yanked: false })),
        versions: [...new Set(project.map((f) => f.version))],
      });
      return send(200, SIMPLE_JSON, body, { Vary: "Accept" });
    }
    const html = [
      "<!DOCTYPE html>",
      "<html>",
      `  <head><meta name="pypi:repository-version" content="${SIMPLE_API_VERSION}"><title>Links for ${esc(norm)}</title></head>`,
      "  <body>",
      `    <h1>Links for ${esc(norm)}</h1>`,
      ...project.map((f) => `    <a href="${esc(f.url)}#sha256=${f.sha256}">${esc(f.filename)}</a><br />`),
      "  </body>",
      "</html>",
      "",
    ].join("\n");
    return send(200, type === "text/html" ? "text/html; charset=utf-8" : type, html, { Vary: "Accept" });
  }

  const server = createServer(answer);
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  base = `http://127.0.0.1:${port}`;
  return {
    url: base,
    simpleUrl: `${base}/simple/`,
    port,
    requests,
    serves: (name, version) => releases.has(`${normalizeName(name)}@${version}`),
    hasHash: (sha256) => hashes.has(sha256.toLowerCase()),
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

export interface Connection {
  host: string;
  port: number | undefined;
  /** false: refused by the guard, never opened. */
  allowed: boolean;
}

const LOOPBACK = new Set(["127.0.0.1", "::1", "localhost"]);

/**
 * Until restore(): every TCP connection this process opens (undici's included:
 * it goes through net.Socket#connect, TLS too) is recorded; one to a host that
 * is not loopback is refused before any lookup, with the error getaddrinfo
 * gives for a name that does not resolve, so it never leaves the machine.
 * Unix sockets and pipes are left alone.
 */
export function guardNetwork(): { connections: Connection[]; restore(): void } {
  const connections: Connection[] = [];
  const original = net.Socket.prototype.connect;
  const patched = function (this: net.Socket, ...args: unknown[]): net.Socket {
    // net.connect() passes [options, callback] as one array; socket.connect(options | port, host?, …) otherwise.
    const first = Array.isArray(args[0]) ? (args[0] as unknown[])[0] : args[0];
    let host: string | undefined;
    let port: number | undefined;
    let pipe = false;
    if (typeof first === "object" && first !== null) {
      const o = first as { host?: string; port?: number | string; path?: string };
      if (o.path !== undefined && o.port === undefined) pipe = true;
      host = o.host ?? "localhost";
      port = o.port === undefined ? undefined : Number(o.port);
    } else if (typeof first === "number" || (typeof first === "string" && /^\d+$/.test(first))) {
      port = Number(first);
      host = typeof args[1] === "string" ? args[1] : "localhost";
    } else if (typeof first === "string") {
      pipe = true;
    }
    if (pipe || host === undefined) return (original as (...a: unknown[]) => net.Socket).apply(this, args);
    const bare = host.replace(/^\[|\]$/g, "");
    const allowed = LOOPBACK.has(bare);
    connections.push({ host: bare, port, allowed });
    if (allowed) return (original as (...a: unknown[]) => net.Socket).apply(this, args);
    const err = Object.assign(new Error(`getaddrinfo ENOTFOUND ${bare} (refused by the test's loopback guard)`), { code: "ENOTFOUND", errno: -3008, syscall: "getaddrinfo", hostname: bare });
    process.nextTick(() => this.destroy(err));
    return this;
  };
  net.Socket.prototype.connect = patched as typeof original;
  return {
    connections,
    restore() {
      if (net.Socket.prototype.connect === patched) net.Socket.prototype.connect = original;
    },
  };
}

/**
 * A folder holding a `git` that records each call (one line: its arguments,
 * tab-separated) and runs the real git with every transport but file://
 * forbidden. Put it first on PATH: lock2nix runs `git` from PATH and passes
 * git no GIT_* variable of the caller's, but command-line `-c` settings hold.
 */
export function gitGuard(realGit = "/usr/bin/git"): { bin: string; calls(): string[][] } {
  const bin = tempDir("lock2nix-git-guard-");
  const log = join(bin, "calls.log");
  mkdirSync(bin, { recursive: true });
  const script = [
    "#!/bin/sh",
    `{ for a in "$@"; do printf '%s\\t' "$a"; done; printf '\\n'; } >> '${log}'`,
    `exec '${realGit}' -c protocol.allow=never -c protocol.file.allow=always "$@"`,
    "",
  ].join("\n");
  writeFileSync(join(bin, "git"), script);
  chmodSync(join(bin, "git"), 0o755);
  return {
    bin,
    calls: () =>
      existsSync(log)
        ? readFileSync(log, "utf8")
            .split("\n")
            .filter((l) => l !== "")
            .map((l) => l.split("\t").slice(0, -1))
        : [],
  };
}
