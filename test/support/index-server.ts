// A loopback Python package index for tests: PyPI's JSON API, the simple API
// (PEP 503 HTML / PEP 691 JSON by content negotiation) and the files, with
// scripted faults (status codes, resets, hangs, truncated bodies), delay and
// basic auth, so clients can be tested against realistic failures.

import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from "node:http";
import { createServer as createTcpServer, type AddressInfo } from "node:net";
import { createHash } from "node:crypto";
import { versionsEqual } from "../../src/pep/version.js";
import {
  indexProjects,
  negotiateSimple,
  normalizeName,
  pypiJson,
  servesMetadata,
  simpleIndex,
  simpleProject,
  SIMPLE_JSON,
  type IndexFile,
  type Project,
  type StoredFile,
} from "./index-formats.js";

export { normalizeName, negotiateSimple, type IndexFile } from "./index-formats.js";

/** A scripted failure: an HTTP reply, or a transport-level fault. */
export type Fault =
  | { status: number; headers?: Record<string, string>; body?: string | Buffer }
  /** destroy the socket before any byte is sent */
  | "reset"
  /** accept the request, never answer (until close()) */
  | "hang"
  /** send the headers (full Content-Length) and half the body, then close */
  | "truncate";

export interface FaultRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  /** 1 for the first request with this method and path, 2 for the second, … */
  attempt: number;
}

export interface RequestLog {
  method: string;
  path: string;
  accept: string | undefined;
  /** Status sent; 0 when the request was reset or left hanging. */
  status: number;
  fault?: "status" | "reset" | "hang" | "truncate";
}

export interface IndexServerOptions {
  files: IndexFile[];
  faults?: (req: FaultRequest) => Fault | undefined;
  /** Added before every response (faults included). */
  delayMs?: number;
  /** Every path then answers 401 without these credentials. */
  basicAuth?: { username: string; password: string };
}

export interface IndexServer {
  /** http://127.0.0.1:PORT */
  url: string;
  /** http://127.0.0.1:PORT/simple/ */
  simpleUrl: string;
  requests: RequestLog[];
  /** The most requests that were being answered at once. */
  maxInFlight(): number;
  /** Absolute URL the index serves `filename` at. */
  fileUrl(filename: string): string;
  close(): Promise<void>;
}

/** Faults by path: the n-th request to a path gets script[path][n-1]; past the end, none. */
export function faultsByPath(script: Record<string, Array<Fault | undefined>>): (req: FaultRequest) => Fault | undefined {
  return (req) => script[req.path]?.[req.attempt - 1];
}

interface Reply {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
}

const etagOf = (body: Buffer): string => `"${createHash("sha256").update(body).digest("hex").slice(0, 32)}"`;

function reply(status: number, contentType: string, body: string | Buffer, extra: Record<string, string> = {}): Reply {
  const buf = typeof body === "string" ? Buffer.from(body) : body;
  return { status, headers: { "Content-Type": contentType, ...extra }, body: buf };
}

const INTEGRITY_JSON = "application/vnd.pypi.integrity.v1+json";
const notFoundJson = (): Reply => reply(404, "application/json", JSON.stringify({ message: "Not Found" }));
const notFound = (): Reply => reply(404, "text/plain; charset=utf-8", "404 Not Found\n");
const redirect = (location: string): Reply =>
  reply(301, "text/plain; charset=utf-8", `301 Moved Permanently\n`, { Location: location });

/** RFC 9110 If-None-Match: `*`, or any listed tag, compared weakly. */
function matchesEtag(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  if (header.trim() === "*") return true;
  const bare = (t: string): string => t.trim().replace(/^W\//, "");
  return header.split(",").some((t) => bare(t) === bare(etag));
}

export async function startIndexServer(options: IndexServerOptions): Promise<IndexServer> {
  const projects = indexProjects(options.files);
  const byPath = new Map<string, StoredFile>();
  const provenances = new Map<string, StoredFile>();
  for (const p of projects.values()) {
    for (const f of p.files) {
      byPath.set(f.path, f);
      if (f.provenancePath) provenances.set(f.provenancePath, f);
    }
  }
  const attempts = new Map<string, number>();
  const requests: RequestLog[] = [];
  const waiting = new Set<() => void>();
  let closed = false;
  let base = "";

  function authorized(req: IncomingMessage): boolean {
    const auth = options.basicAuth;
    if (!auth) return true;
    const m = /^Basic\s+(\S+)$/i.exec(req.headers.authorization ?? "");
    return !!m && Buffer.from(m[1]!, "base64").toString("utf8") === `${auth.username}:${auth.password}`;
  }

  function simple(project: Project | undefined, req: IncomingMessage): Reply {
    const type = negotiateSimple(req.headers.accept);
    const json = type === SIMPLE_JSON;
    const body = project ? simpleProject(project, base, json) : simpleIndex(projects, json);
    const contentType = type === "text/html" ? "text/html; charset=utf-8" : type;
    return reply(200, contentType, body, { Vary: "Accept" });
  }

  function route(req: IncomingMessage, path: string): Reply {
    if (req.method !== "GET" && req.method !== "HEAD") return reply(405, "text/plain", "405 Method Not Allowed\n", { Allow: "GET, HEAD" });
    if (!authorized(req)) {
      return reply(401, "text/plain; charset=utf-8", "401 Unauthorized\n", { "WWW-Authenticate": 'Basic realm="lock2nix test index"' });
    }
    if (path === "/simple") return redirect(`${base}/simple/`);
    if (path === "/simple/") return simple(undefined, req);
    let m = /^\/simple\/([^/]+)(\/?)$/.exec(path);
    if (m) {
      const name = decodeURIComponent(m[1]!);
      const norm = normalizeName(name);
      if (name !== norm || !m[2]) return redirect(`${base}/simple/${encodeURIComponent(norm)}/`);
      const project = projects.get(norm);
      return project ? simple(project, req) : notFound();
    }
    m = /^\/pypi\/([^/]+)\/(?:([^/]+)\/)?json\/?$/.exec(path);
    if (m) {
      const name = decodeURIComponent(m[1]!);
      const project = projects.get(normalizeName(name));
      if (!project) return notFoundJson();
      let version = m[2] === undefined ? undefined : decodeURIComponent(m[2]);
      if (version !== undefined && !project.versions.includes(version)) {
        // PyPI finds releases by their PEP 440 value and redirects to the published spelling.
        const same = project.versions.find((v) => safeEq(v, version!));
        if (!same) return notFoundJson();
        version = same;
      }
      const canonical = `/pypi/${project.normalized}/${version === undefined ? "" : `${version}/`}json`;
      if (path !== canonical) return redirect(base + canonical);
      return reply(200, "application/json", JSON.stringify(pypiJson(project, base, version)));
    }
    const attested = provenances.get(path);
    if (attested) {
      // PyPI's Integrity API answers 406 to a client that does not accept its media type.
      const accept = req.headers.accept ?? "";
      if (!/application\/vnd\.pypi\.integrity\.v1\+json|application\/json|\*\/\*/.test(accept)) return reply(406, "text/plain", "406 Not Acceptable\n");
      return reply(200, INTEGRITY_JSON, JSON.stringify(attested.provenance));
    }
    if (path.startsWith("/integrity/")) return notFoundJson();
    const file = byPath.get(path);
    if (file) return reply(200, "application/octet-stream", file.content, { ETag: `"${file.sha256}"` });
    const meta = path.endsWith(".metadata") ? byPath.get(path.slice(0, -".metadata".length)) : undefined;
    if (meta && servesMetadata(meta)) {
      return reply(200, "application/octet-stream", meta.metadata!, { ETag: `"${meta.metadataSha256}"` });
    }
    return notFound();
  }

  function send(res: ServerResponse, r: Reply, head: boolean, truncate: boolean, notModified: boolean): void {
    if (notModified) {
      const { "Content-Type": _, ...rest } = r.headers;
      res.writeHead(304, rest).end();
      return;
    }
    res.writeHead(r.status, { ...r.headers, "Content-Length": String(r.body.length) });
    if (head) {
      res.end();
    } else if (truncate) {
      res.write(r.body.subarray(0, Math.floor(r.body.length / 2)), () => res.socket?.destroy());
    } else {
      res.end(r.body);
    }
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const method = req.method ?? "GET";
    const path = new URL(req.url ?? "/", "http://x").pathname;
    const key = `${method} ${path}`;
    const attempt = (attempts.get(key) ?? 0) + 1;
    attempts.set(key, attempt);
    const log: RequestLog = { method, path, accept: req.headers.accept, status: 0 };
    requests.push(log);
    if (options.delayMs) {
      await new Promise<void>((resolve) => {
        const done = (): void => {
          clearTimeout(timer);
          waiting.delete(done);
          resolve();
        };
        const timer = setTimeout(done, options.delayMs);
        waiting.add(done);
      });
    }
    if (closed) return;
    const fault = options.faults?.({ method, path, headers: req.headers, attempt });
    if (fault === "reset" || fault === "hang") {
      log.fault = fault;
      if (fault === "reset") req.socket.destroy();
      return;
    }
    const r =
      typeof fault === "object"
        ? reply(fault.status, "text/plain; charset=utf-8", fault.body ?? "", fault.headers)
        : route(req, path);
    if (fault) log.fault = typeof fault === "object" ? "status" : fault;
    if (r.status === 200) r.headers.ETag ??= etagOf(r.body);
    const notModified = fault !== "truncate" && r.status === 200 && matchesEtag(req.headers["if-none-match"], r.headers.ETag!);
    log.status = notModified ? 304 : r.status;
    send(res, r, method === "HEAD", fault === "truncate", notModified);
  }

  let inFlight = 0;
  let maxInFlight = 0;
  const server = createServer((req, res) => {
    maxInFlight = Math.max(maxInFlight, ++inFlight);
    res.on("close", () => inFlight--);
    handle(req, res).catch((err: unknown) => {
      if (!res.headersSent) res.writeHead(500, { "Content-Type": "text/plain" });
      res.end(`500 ${String(err)}\n`);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    url: base,
    simpleUrl: `${base}/simple/`,
    requests,
    maxInFlight: () => maxInFlight,
    fileUrl(filename) {
      for (const f of byPath.values()) if (f.filename === filename) return base + f.path;
      throw new Error(`index serves no file ${filename}`);
    },
    async close() {
      if (closed) return;
      closed = true;
      for (const done of [...waiting]) done();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        // Hanging and keep-alive sockets would otherwise hold close() open.
        server.closeAllConnections();
      });
    },
  };
}

function safeEq(a: string, b: string): boolean {
  return versionsEqual(a, b);
}

/** A loopback port nothing listens on: connecting to it is refused. */
export async function closedPort(): Promise<number> {
  const server = createTcpServer();
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as AddressInfo).port;
  await new Promise((r) => server.close(r));
  return port;
}
