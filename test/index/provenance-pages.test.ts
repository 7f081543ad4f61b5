import { afterEach, describe, expect, it } from "vitest";
import { CachingIndexClient } from "../../src/index/client.js";
import { HttpClient } from "../../src/index/http.js";
import { parseSimpleHtml, parseSimpleJson } from "../../src/index/responses.js";
import { startIndexServer, type IndexFile, type IndexServer } from "../support/index-server.js";

const PAGE = "https://index.example.org/simple/alpha/";
const file = (filename: string, extra: Record<string, unknown> = {}) => ({ filename, url: `../../files/${filename}`, hashes: {}, ...extra });
const json = (files: unknown[]) => JSON.stringify({ meta: { "api-version": "1.1" }, name: "alpha", files });

describe("PEP 740 provenance on index pages", () => {
  it("reads PEP 691's `provenance`: a URL (resolved against the page), null or absent for none", () => {
    const files = parseSimpleJson(
      json([
        file("alpha-1.0.tar.gz", { provenance: "/integrity/alpha/1.0/alpha-1.0.tar.gz/provenance" }),
        file("alpha-1.1.tar.gz", { provenance: null }),
        file("alpha-1.2.tar.gz"),
      ]),
      PAGE,
    );
    expect(files.map((f) => f.provenance)).toEqual(["https://index.example.org/integrity/alpha/1.0/alpha-1.0.tar.gz/provenance", undefined, undefined]);
  });

  it("refuses a `provenance` that is not a URL or null, naming the page and the entry", () => {
    expect(() => parseSimpleJson(json([file("alpha-1.0.tar.gz", { provenance: 3 })]), PAGE)).toThrow(
      "https://index.example.org/simple/alpha/: unexpected response from the index: files[0]: `provenance` must be a URL or null",
    );
    expect(() => parseSimpleJson(json([file("alpha-1.0.tar.gz", { provenance: "http://[" })]), PAGE)).toThrow(/files\[0\]: `provenance` is not a URL: "http:\/\/\["/);
  });

  it("reads PEP 503's `data-provenance`, entities decoded, against <base href>", () => {
    const page = `<html><head><base href="https://files.example.org/"></head><body>
<a href="alpha-1.0.tar.gz" data-provenance="/integrity/alpha/1.0/alpha-1.0.tar.gz/provenance?a=1&amp;b=2">alpha-1.0.tar.gz</a>
<a href="alpha-1.1.tar.gz">alpha-1.1.tar.gz</a></body></html>`;
    expect(parseSimpleHtml(page, PAGE).map((f) => f.provenance)).toEqual([
      "https://files.example.org/integrity/alpha/1.0/alpha-1.0.tar.gz/provenance?a=1&b=2",
      undefined,
    ]);
    expect(() => parseSimpleHtml(`<a href="x-1.0.tar.gz" data-provenance>x-1.0.tar.gz</a>`, PAGE)).toThrow(/x-1\.0\.tar\.gz: `provenance` must be a URL or null/);
  });
});

describe("a release's files as the client returns them", () => {
  const servers: IndexServer[] = [];
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((s) => s.close()));
  });
  const f = (version: string, filename: string, provenance?: unknown): IndexFile => ({
    name: "alpha",
    version,
    filename,
    content: Buffer.from(filename),
    ...(provenance ? { provenance } : {}),
  });

  for (const accept of ["json", "html"] as const) {
    it(`carry the provenance URL, and name the newest earlier attested release when they have none (${accept})`, async () => {
      let html: string | undefined;
      const server = await startIndexServer({
        files: [f("0.9", "alpha-0.9.tar.gz", {}), f("1.0", "alpha-1.0.tar.gz", {}), f("1.1", "alpha-1.1.tar.gz"), f("2.0", "alpha-2.0.tar.gz", {})],
        // An index that answers PEP 503 HTML whatever is asked: its own HTML page, fetched first.
        faults: (req) => (html && req.path === "/simple/alpha/" ? { status: 200, headers: { "Content-Type": "text/html" }, body: html } : undefined),
      });
      servers.push(server);
      if (accept === "html") html = await (await fetch(`${server.simpleUrl}alpha/`, { headers: { accept: "text/html" } })).text();
      const client = new CachingIndexClient({ http: new HttpClient({ retries: 0 }) });
      const index = { name: "test", url: server.simpleUrl, pypiJson: false };
      const attested = await client.releaseFiles(index, "alpha", "1.0");
      expect(attested.map((x) => [x.provenance, x.lastAttested])).toEqual([[`${server.url}/integrity/alpha/1.0/alpha-1.0.tar.gz/provenance`, undefined]]);
      const bare = await client.releaseFiles(index, "alpha", "1.1");
      expect(bare.map((x) => [x.provenance, x.lastAttested])).toEqual([[undefined, "1.0"]]);
    });
  }
});
