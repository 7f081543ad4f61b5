import { createHash } from "node:crypto";
import { request } from "node:http";
import { afterEach, describe, expect, it } from "vitest";
import { blake2b } from "./blake2b.js";
import { faultsByPath, negotiateSimple, startIndexServer, type IndexFile, type IndexServer, type IndexServerOptions } from "./index-server.js";

const sha256 = (b: Buffer): string => createHash("sha256").update(b).digest("hex");
const PIP_ACCEPT = "application/vnd.pypi.simple.v1+json, application/vnd.pypi.simple.v1+html; q=0.1, text/html; q=0.01";
const V1_JSON = "application/vnd.pypi.simple.v1+json";

const WHEEL_METADATA = Buffer.from(
  "Metadata-Version: 2.1\nName: Cycle_A\nVersion: 1.0.0\nSummary: first half\nLicense: MIT\n" +
    "Requires-Python: >=3.8\nRequires-Dist: cycle-b (>=1.0)\nProvides-Extra: fast\nRequires-Dist: delta ; extra == 'fast'\n\n",
);

const FILES: IndexFile[] = [
  { name: "Cycle_A", version: "0.9", filename: "cycle_a-0.9.tar.gz", content: Buffer.from("old sdist"), yanked: "broken <build>" },
  { name: "Cycle_A", version: "0.10", filename: "cycle_a-0.10.tar.gz", content: Buffer.from("0.10") },
  {
    name: "Cycle_A",
    version: "1.0.0",
    filename: "cycle_a-1.0.0.tar.gz",
    content: Buffer.from("sdist bytes"),
    requiresPython: ">=3.8",
    metadata: Buffer.from("Metadata-Version: 2.1\nName: Cycle_A\nVersion: 1.0.0\n\n"),
  },
  {
    name: "Cycle_A",
    version: "1.0.0",
    filename: "cycle_a-1.0.0-py3-none-any.whl",
    content: Buffer.from("wheel bytes!"),
    requiresPython: ">=3.8",
    uploadTime: "2023-05-06T07:08:09Z",
    metadata: WHEEL_METADATA,
  },
  { name: "Cycle_A", version: "1.1.0", filename: "cycle_a-1.1.0.tar.gz", content: Buffer.from("yanked"), yanked: true },
  { name: "Cycle_A", version: "2.0.0rc1", filename: "cycle_a-2.0.0rc1.tar.gz", content: Buffer.from("pre") },
  { name: "beta", version: "1.2.0", filename: "beta-1.2.0.tar.gz", content: Buffer.from("beta") },
];

const file = (filename: string): IndexFile => FILES.find((f) => f.filename === filename)!;

let server: IndexServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});
async function start(extra: Partial<IndexServerOptions> = {}): Promise<IndexServer> {
  server = await startIndexServer({ files: FILES, ...extra });
  return server;
}
const get = (path: string, headers: Record<string, string> = {}): Promise<Response> =>
  fetch(server!.url + path, { headers, redirect: "manual" });

/** Raw GET that reports how many body bytes arrived before the connection ended. */
function rawGet(url: string): Promise<{ status: number; declared: number; received: number; aborted: boolean }> {
  return new Promise((resolve, reject) => {
    request(url, (res) => {
      let received = 0;
      let aborted = false;
      res.on("data", (d: Buffer) => (received += d.length));
      res.on("aborted", () => (aborted = true));
      res.on("error", () => (aborted = true));
      res.on("close", () =>
        resolve({ status: res.statusCode ?? 0, declared: Number(res.headers["content-length"]), received, aborted: aborted || !res.complete }),
      );
    })
      .on("error", reject)
      .end();
  });
}

describe("PyPI JSON API", () => {
  it("describes the project: latest stable, non-yanked release in info and urls, all in releases", async () => {
    await start();
    const res = await get("/pypi/cycle-a/json");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("application/json");
    const body = (await res.json()) as any;
    expect(Object.keys(body)).toEqual(["info", "last_serial", "releases", "urls", "vulnerabilities"]);
    // 2.0.0rc1 is a pre-release and 1.1.0 is yanked: PyPI's "latest" skips both.
    expect(body.info).toMatchObject({
      name: "Cycle_A",
      version: "1.0.0",
      summary: "first half",
      license: "MIT",
      requires_python: ">=3.8",
      requires_dist: ["cycle-b (>=1.0)", "delta ; extra == 'fast'"],
      provides_extra: ["fast"],
      yanked: false,
      yanked_reason: null,
    });
    expect(Object.keys(body.releases)).toEqual(["0.9", "0.10", "1.0.0", "1.1.0", "2.0.0rc1"]);
    expect(body.urls.map((u: any) => u.filename)).toEqual(["cycle_a-1.0.0-py3-none-any.whl", "cycle_a-1.0.0.tar.gz"]);
    const wheel = file("cycle_a-1.0.0-py3-none-any.whl");
    expect(body.urls[0]).toEqual({
      comment_text: "",
      digests: { blake2b_256: blake2b(wheel.content), md5: createHash("md5").update(wheel.content).digest("hex"), sha256: sha256(wheel.content) },
      downloads: -1,
      filename: wheel.filename,
      has_sig: false,
      md5_digest: createHash("md5").update(wheel.content).digest("hex"),
      packagetype: "bdist_wheel",
      python_version: "py3",
      requires_python: ">=3.8",
      size: wheel.content.length,
      upload_time: "2023-05-06T07:08:09",
      upload_time_iso_8601: "2023-05-06T07:08:09.000000Z",
      url: server!.fileUrl(wheel.filename),
      yanked: false,
      yanked_reason: null,
    });
    expect(body.urls[1]).toMatchObject({ packagetype: "sdist", python_version: "source" });
    expect(body.releases["0.9"][0]).toMatchObject({ yanked: true, yanked_reason: "broken <build>", requires_python: null });
    expect(body.releases["1.1.0"][0]).toMatchObject({ yanked: true, yanked_reason: null });
    // The url really serves those bytes.
    const served = await fetch(body.urls[0].url);
    expect(sha256(Buffer.from(await served.arrayBuffer()))).toBe(body.urls[0].digests.sha256);
  });

  it("serves one version without `releases`, and a yanked version as yanked", async () => {
    await start();
    const body = (await (await get("/pypi/cycle-a/0.9/json")).json()) as any;
    expect(body.releases).toBeUndefined();
    expect(body.info).toMatchObject({ version: "0.9", yanked: true, yanked_reason: "broken <build>" });
    expect(body.urls).toHaveLength(1);
    const pre = (await (await get("/pypi/cycle-a/2.0.0rc1/json")).json()) as any;
    expect(pre.info.version).toBe("2.0.0rc1");
  });

  it("redirects non-normalized names and versions to the canonical URL", async () => {
    await start();
    for (const [path, to] of [
      ["/pypi/Cycle_A/json", "/pypi/cycle-a/json"],
      ["/pypi/cycle.a/1.0.0/json", "/pypi/cycle-a/1.0.0/json"],
      ["/pypi/cycle-a/1.0/json", "/pypi/cycle-a/1.0.0/json"],
    ] as const) {
      const res = await get(path);
      expect(res.status, path).toBe(301);
      expect(res.headers.get("location")).toBe(server!.url + to);
    }
    expect((await fetch(server!.url + "/pypi/CYCLE__A/json")).status).toBe(200);
  });

  it("answers 404 with PyPI's JSON body for unknown projects and versions", async () => {
    await start();
    for (const path of ["/pypi/nope/json", "/pypi/cycle-a/9.9/json"]) {
      const res = await get(path);
      expect(res.status).toBe(404);
      expect(await res.json()).toEqual({ message: "Not Found" });
    }
    expect((await get("/nothing/here")).status).toBe(404);
    expect((await get("/files/00/00/00/cycle_a-1.0.0.tar.gz")).status).toBe(404);
  });
});

describe("simple API", () => {
  it("negotiates like pypi.org: q-values, most specific range, server order on ties, text/html fallback", () => {
    expect(negotiateSimple(undefined)).toBe("text/html");
    expect(negotiateSimple(PIP_ACCEPT)).toBe(V1_JSON);
    expect(negotiateSimple("application/vnd.pypi.simple.latest+json")).toBe(V1_JSON);
    expect(negotiateSimple("application/vnd.pypi.simple.v1+json;q=0.5, text/html;q=0.9")).toBe("text/html");
    // Equal q: the server's order (text/html first) decides, as WebOb does.
    expect(negotiateSimple("application/vnd.pypi.simple.v1+json, text/html")).toBe("text/html");
    expect(negotiateSimple("*/*")).toBe("text/html");
    expect(negotiateSimple("text/html;q=0, */*;q=0.5")).toBe("application/vnd.pypi.simple.v1+html");
    expect(negotiateSimple("application/*;q=0.2, application/vnd.pypi.simple.v1+html;q=0.1")).toBe(V1_JSON);
    expect(negotiateSimple("application/json")).toBe("text/html");
  });

  it("serves PEP 691 JSON to a client asking for it", async () => {
    await start();
    const res = await get("/simple/cycle-a/", { Accept: PIP_ACCEPT });
    expect(res.headers.get("content-type")).toBe(V1_JSON);
    expect(res.headers.get("vary")).toBe("Accept");
    const body = (await res.json()) as any;
    expect(body.meta).toEqual({ "api-version": "1.1" });
    expect(body.name).toBe("cycle-a");
    expect(body.versions).toEqual(["0.9", "0.10", "1.0.0", "1.1.0", "2.0.0rc1"]);
    const byName = Object.fromEntries(body.files.map((f: any) => [f.filename, f]));
    const wheel = byName["cycle_a-1.0.0-py3-none-any.whl"];
    expect(wheel).toEqual({
      "core-metadata": { sha256: sha256(WHEEL_METADATA) },
      "data-dist-info-metadata": { sha256: sha256(WHEEL_METADATA) },
      filename: "cycle_a-1.0.0-py3-none-any.whl",
      hashes: { sha256: sha256(file("cycle_a-1.0.0-py3-none-any.whl").content) },
      "requires-python": ">=3.8",
      size: file("cycle_a-1.0.0-py3-none-any.whl").content.length,
      "upload-time": "2023-05-06T07:08:09.000000Z",
      url: server!.fileUrl("cycle_a-1.0.0-py3-none-any.whl"),
      yanked: false,
    });
    expect(byName["cycle_a-0.9.tar.gz"].yanked).toBe("broken <build>");
    expect(byName["cycle_a-1.1.0.tar.gz"].yanked).toBe(true);
    expect(byName["cycle_a-1.0.0.tar.gz"]["core-metadata"]).toBe(false);
    // PEP 658/714: the wheel's metadata file is served next to it.
    const meta = await fetch(`${wheel.url}.metadata`);
    expect(Buffer.from(await meta.arrayBuffer()).equals(WHEEL_METADATA)).toBe(true);
    // Like PyPI, none for sdists, even when their PKG-INFO is known.
    expect((await fetch(`${byName["cycle_a-1.0.0.tar.gz"].url}.metadata`)).status).toBe(404);
  });

  it("serves PEP 503 HTML by default, with escaped attributes and hash fragments", async () => {
    await start();
    const res = await get("/simple/cycle-a/");
    expect(res.headers.get("content-type")).toBe("text/html; charset=utf-8");
    const html = await res.text();
    expect(html).toContain('<meta name="pypi:repository-version" content="1.1">');
    expect(html).toContain("<title>Links for cycle-a</title>");
    const anchors = [...html.matchAll(/<a href="([^"#]+)#sha256=([0-9a-f]{64})"([^>]*)>([^<]+)<\/a>/g)];
    // PEP 440 order (0.9 before 0.10), then by file name.
    expect(anchors.map((a) => a[4])).toEqual([
      "cycle_a-0.9.tar.gz",
      "cycle_a-0.10.tar.gz",
      "cycle_a-1.0.0-py3-none-any.whl",
      "cycle_a-1.0.0.tar.gz",
      "cycle_a-1.1.0.tar.gz",
      "cycle_a-2.0.0rc1.tar.gz",
    ]);
    const attrs = Object.fromEntries(anchors.map((a) => [a[4], a[3]]));
    expect(attrs["cycle_a-1.0.0.tar.gz"]).toBe(' data-requires-python="&gt;=3.8"');
    expect(attrs["cycle_a-0.9.tar.gz"]).toBe(' data-yanked="broken &lt;build&gt;"');
    expect(attrs["cycle_a-1.1.0.tar.gz"]).toBe(' data-yanked=""');
    expect(attrs["cycle_a-1.0.0-py3-none-any.whl"]).toContain(`data-core-metadata="sha256=${sha256(WHEEL_METADATA)}"`);
    for (const a of anchors) {
      const served = await fetch(a[1]!);
      expect(sha256(Buffer.from(await served.arrayBuffer()))).toBe(a[2]);
    }
    const v1html = await get("/simple/cycle-a/", { Accept: "application/vnd.pypi.simple.v1+html" });
    expect(v1html.headers.get("content-type")).toBe("application/vnd.pypi.simple.v1+html");
  });

  it("lists projects at /simple/ in both formats", async () => {
    await start();
    const json = (await (await get("/simple/", { Accept: V1_JSON })).json()) as any;
    expect(json).toEqual({ meta: { "api-version": "1.1" }, projects: [{ name: "beta" }, { name: "cycle-a" }] });
    const html = await (await get("/simple/")).text();
    expect(html).toContain('<a href="/simple/cycle-a/">cycle-a</a>');
  });

  it("redirects to the normalized name with a trailing slash, 404s unknown projects", async () => {
    await start();
    for (const [path, to] of [
      ["/simple/Cycle_A/", "/simple/cycle-a/"],
      ["/simple/cycle-a", "/simple/cycle-a/"],
      ["/simple", "/simple/"],
    ] as const) {
      const res = await get(path);
      expect(res.status, path).toBe(301);
      expect(res.headers.get("location")).toBe(server!.url + to);
    }
    expect((await get("/simple/nope/")).status).toBe(404);
  });
});

describe("files and caching", () => {
  it("serves files with Content-Length and ETag, HEAD without a body", async () => {
    await start();
    const url = server!.fileUrl("cycle_a-1.0.0.tar.gz");
    const res = await fetch(url);
    expect(res.headers.get("content-length")).toBe(String(file("cycle_a-1.0.0.tar.gz").content.length));
    expect(res.headers.get("etag")).toBe(`"${sha256(file("cycle_a-1.0.0.tar.gz").content)}"`);
    expect(await res.text()).toBe("sdist bytes");
    const head = await fetch(url, { method: "HEAD" });
    expect(head.status).toBe(200);
    expect(head.headers.get("content-length")).toBe(String(file("cycle_a-1.0.0.tar.gz").content.length));
  });

  it("answers If-None-Match with 304 on files, JSON API and both simple formats", async () => {
    await start();
    const tags = new Set<string>();
    for (const [path, accept] of [
      [new URL(server!.fileUrl("cycle_a-1.0.0.tar.gz")).pathname, undefined],
      ["/pypi/cycle-a/json", undefined],
      ["/simple/cycle-a/", V1_JSON],
      ["/simple/cycle-a/", "text/html"],
    ] as const) {
      const headers: Record<string, string> = accept ? { Accept: accept } : {};
      const first = await get(path, headers);
      const etag = first.headers.get("etag")!;
      expect(etag).toMatch(/^"[0-9a-f]+"$/);
      tags.add(etag);
      const again = await get(path, { ...headers, "If-None-Match": `"other", ${etag}` });
      expect(again.status, path).toBe(304);
      expect(again.headers.get("etag")).toBe(etag);
      expect(await again.text()).toBe("");
      expect((await get(path, { ...headers, "If-None-Match": '"stale"' })).status).toBe(200);
    }
    expect(tags.size).toBe(4); // the JSON and HTML representations differ
    expect(server!.requests.filter((r) => r.status === 304)).toHaveLength(4);
  });
});

describe("auth and delay", () => {
  it("requires basic auth on every path when configured", async () => {
    await start({ basicAuth: { username: "ci", password: "s3cret" } });
    const anonymous = await get("/simple/cycle-a/");
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get("www-authenticate")).toMatch(/^Basic realm=/);
    const basic = (u: string, p: string): Record<string, string> => ({ Authorization: `Basic ${Buffer.from(`${u}:${p}`).toString("base64")}` });
    expect((await get("/pypi/cycle-a/json", basic("ci", "wrong"))).status).toBe(401);
    expect((await get(new URL(server!.fileUrl("beta-1.2.0.tar.gz")).pathname)).status).toBe(401);
    expect((await get("/pypi/cycle-a/json", basic("ci", "s3cret"))).status).toBe(200);
  });

  it("delays every response by delayMs", async () => {
    await start({ delayMs: 150 });
    const t0 = Date.now();
    await (await get("/simple/")).text();
    expect(Date.now() - t0).toBeGreaterThanOrEqual(140);
  });
});

describe("faults", () => {
  it("scripts 429 with Retry-After, then success; 500, then success", async () => {
    await start({
      faults: faultsByPath({
        "/pypi/cycle-a/json": [{ status: 429, headers: { "Retry-After": "2" }, body: "slow down" }],
        "/simple/beta/": [{ status: 500 }, { status: 503 }],
      }),
    });
    const limited = await get("/pypi/cycle-a/json");
    expect(limited.status).toBe(429);
    expect(limited.headers.get("retry-after")).toBe("2");
    expect(await limited.text()).toBe("slow down");
    expect((await get("/pypi/cycle-a/json")).status).toBe(200);
    expect((await get("/simple/beta/")).status).toBe(500);
    expect((await get("/simple/beta/")).status).toBe(503);
    expect((await get("/simple/beta/")).status).toBe(200);
    expect(server!.requests.map((r) => [r.path, r.status, r.fault])).toEqual([
      ["/pypi/cycle-a/json", 429, "status"],
      ["/pypi/cycle-a/json", 200, undefined],
      ["/simple/beta/", 500, "status"],
      ["/simple/beta/", 503, "status"],
      ["/simple/beta/", 200, undefined],
    ]);
  });

  it("resets the connection", async () => {
    await start({ faults: faultsByPath({ "/simple/beta/": ["reset"] }) });
    await expect(get("/simple/beta/")).rejects.toThrow();
    expect((await get("/simple/beta/")).status).toBe(200);
    expect(server!.requests[0]).toMatchObject({ status: 0, fault: "reset" });
  });

  it("hangs until the client gives up, and close() still returns promptly", async () => {
    await start({ faults: (req) => (req.path === "/simple/beta/" ? "hang" : undefined) });
    const pending = fetch(server!.url + "/simple/beta/", { signal: AbortSignal.timeout(300) });
    await expect(pending).rejects.toThrow();
    // A second hanging request stays open while we close.
    const stuck = fetch(server!.url + "/simple/beta/").catch((e: unknown) => e);
    await new Promise((r) => setTimeout(r, 50));
    const t0 = Date.now();
    await server!.close();
    expect(Date.now() - t0).toBeLessThan(1000);
    expect(await stuck).toBeInstanceOf(Error);
    expect(server!.requests.every((r) => r.fault === "hang" && r.status === 0)).toBe(true);
  });

  it("truncates the body: full Content-Length announced, half sent, connection closed", async () => {
    await start({ faults: faultsByPath({ "/pypi/cycle-a/json": ["truncate"] }) });
    const raw = await rawGet(server!.url + "/pypi/cycle-a/json");
    expect(raw.status).toBe(200);
    expect(raw.aborted).toBe(true);
    expect(raw.received).toBe(Math.floor(raw.declared / 2));
    const ok = await get("/pypi/cycle-a/json");
    expect(Number(ok.headers.get("content-length"))).toBe(raw.declared);
    expect(server!.requests[0]).toMatchObject({ status: 200, fault: "truncate" });
  });

  it("makes fetch fail on a truncated JSON body", async () => {
    await start({ faults: () => "truncate" });
    const res = await get("/pypi/cycle-a/json");
    await expect(res.json()).rejects.toThrow();
  });

  it("delays faults too", async () => {
    await start({ delayMs: 100, faults: () => ({ status: 502 }) });
    const t0 = Date.now();
    expect((await get("/simple/")).status).toBe(502);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(90);
  });
});

describe("blake2b", () => {
  it("matches Python's hashlib.blake2b(digest_size=32)", () => {
    expect(blake2b(Buffer.alloc(0))).toBe("0e5751c026e543b2e8ab2eb06099daa1d1e5df47778f7787faab45cdf12fe3a8");
    expect(blake2b(Buffer.from("abc"))).toBe("bddd813c634239723171ef3fee98579b94964e3bb1cb3e427262c8c068d52319");
    // Block boundaries: exactly one block, one byte over.
    expect(blake2b(Buffer.alloc(128, 7))).toBe("332f1f712b03a6a6f6c28db7d96c62f170744119ab0f831b9e0d80f800e3aad7");
    expect(blake2b(Buffer.alloc(129, 9))).toBe("40174cc16a6195f41e460c3f1e6e6086dfbb08d5a14f75b5e2d7b3bf51d03063");
  });
});
