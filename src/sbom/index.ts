import { createHash } from "node:crypto";
import { basename, dirname, resolve } from "node:path";
import type { Models } from "@cyclonedx/cyclonedx-library";
import { settleWrites } from "../fs.js";
import { generate, type GenerateOptions, type GenerateResult } from "../generate.js";
import { DiskCache, defaultCacheDir } from "../index/cache.js";
import { redactUrl } from "../index/credentials.js";
import { HttpClient } from "../index/http.js";
import { isPypiIndex } from "../index/pypi-urls.js";
import { redirectFor } from "../index/redirect.js";
import { PYPI_SIMPLE_URL, type Lock, type LockedPackage } from "../model.js";
import type { PackageBuild, Resolution } from "../resolve/index.js";
import { VERSION } from "../version.js";
import { pypiLicenses, type LicenseLookup, type ReportedLicense } from "./licenses.js";
import { buildPurl } from "./purl.js";
import type { PackageProvenance } from "../provenance/index.js";

/**
 * `lock2nix sbom`: a CycloneDX 1.6 JSON bill of materials for what
 * `generate` would build: a component per package release with its purl,
 * the sha256 of the files chosen for it, where they come from, its licence
 * where the index reports one, and the dependency graph.
 */

export interface SbomOptions extends Omit<GenerateOptions, "onProgress"> {
  /** How licences are found; default PyPI's JSON API for packages from PyPI (cache only when offline). */
  licenses?: LicenseLookup;
}

export interface SbomResult {
  bom: Models.Bom;
  /** The serialized BOM, ending in a newline. */
  json: string;
  warnings: string[];
}

/** urn:uuid from a digest, shaped as RFC 4122 version 5 so the same inputs give the same serial number. */
function serialFrom(seed: string): string {
  const h = createHash("sha256").update(seed).digest("hex");
  return `urn:uuid:${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-${((parseInt(h[16] as string, 16) & 3) | 8).toString(16)}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** Loaded when an SBOM is made, not on every CLI start (the bundle leaves it external). */
type Cdx = typeof import("@cyclonedx/cyclonedx-library");
const cyclonedx = (): Promise<Cdx> => import("@cyclonedx/cyclonedx-library");

function addLicenses({ Models, SPDX }: Cdx, component: Models.Component, reported: ReportedLicense): void {
  if (reported.expression) {
    const id = SPDX.fixupSpdxId(reported.expression);
    component.licenses.add(id ? new Models.SpdxLicense(id) : new Models.LicenseExpression(reported.expression));
    return;
  }
  for (const name of reported.names) {
    const id = SPDX.fixupSpdxId(name);
    component.licenses.add(id ? new Models.SpdxLicense(id) : new Models.NamedLicense(name));
  }
}

/** The files and sources each system builds a release from. */
function references({ Enums, Models }: Cdx, builds: PackageBuild[]): { refs: Models.ExternalReference[]; single?: string } {
  const refs = new Map<string, Models.ExternalReference>();
  const hashes = new Set<string>();
  for (const b of builds) {
    const s = b.source;
    if (s.kind === "artifact") {
      hashes.add(s.artifact.sha256);
      const url = redactUrl(s.artifact.url);
      if (refs.has(url)) continue;
      const hashDict = new Models.HashDictionary();
      if (s.artifact.sha256) hashDict.set(Enums.HashAlgorithm["SHA-256"], s.artifact.sha256);
      refs.set(url, new Models.ExternalReference(url, Enums.ExternalReferenceType.Distribution, { hashes: hashDict, comment: s.artifact.filename }));
    } else if (s.kind === "git") {
      const url = redactUrl(s.url);
      if (!refs.has(url)) refs.set(url, new Models.ExternalReference(url, Enums.ExternalReferenceType.VCS, { comment: `commit ${s.commit}` }));
    }
  }
  const only = [...hashes];
  return { refs: [...refs.values()], ...(only.length === 1 && only[0] ? { single: only[0] } : {}) };
}

/** What the BOM says beyond the lock and its resolution. */
export interface BomExtras {
  licenses?: LicenseLookup;
  /** PEP 740 provenance by package (generate's), written as `lock2nix:provenance:*` properties. */
  provenance?: Map<string, PackageProvenance>;
  /** A local tree's own version (generate's `localVersion`), over the lock's stand-in. */
  localVersion?: GenerateResult["localVersion"];
}

/** A package's provenance as CycloneDX properties (lock2nix's own names; CycloneDX has no taxonomy for PEP 740). */
function addProvenance({ Models }: Cdx, component: Models.Component, p: PackageProvenance): void {
  const props: Array<[string, string | undefined]> = [
    ["status", p.status],
    ["publisher:kind", p.publisher?.kind],
    ["publisher:repository", p.publisher?.repository],
    ["publisher:workflow", p.publisher?.workflow],
    ["publisher:environment", p.publisher?.environment],
    ["commit", p.commit],
    ["transparency-log-index", p.logIndex],
  ];
  for (const [key, value] of props) if (value !== undefined) component.properties.add(new Models.Property(`lock2nix:provenance:${key}`, value));
}

/** Builds the BOM from a lock and its resolution. */
export async function buildBom(lock: Lock, resolution: Resolution, extras: BomExtras = {}): Promise<Models.Bom> {
  const { licenses, provenance, localVersion = () => undefined } = extras;
  const cdx = await cyclonedx();
  const { Enums, Models } = cdx;
  const byKey = new Map<string, LockedPackage>(lock.packages.map((p) => [`${p.name} ${p.version}`, p]));
  const bom = new Models.Bom({ serialNumber: serialFrom(`lock2nix ${VERSION} ${lock.sha256} ${resolution.python} ${resolution.systems.join(" ")}`) });
  bom.metadata.tools.components.add(new Models.Component(Enums.ComponentType.Application, "lock2nix", { version: VERSION }));
  const rootName = lock.root.name ?? basename(dirname(resolve(lock.file)));
  const root = new Models.Component(Enums.ComponentType.Application, rootName, { bomRef: `lock2nix-root:${rootName}` });
  bom.metadata.component = root;

  // name -> version -> builds across systems; a release is one component whatever the system.
  const releases = new Map<string, Map<string, PackageBuild[]>>();
  for (const [name, builds] of resolution.packages) {
    for (const b of builds.values()) {
      const versions = releases.get(name) ?? new Map<string, PackageBuild[]>();
      versions.set(b.version, [...(versions.get(b.version) ?? []), b]);
      releases.set(name, versions);
    }
  }
  const components = new Map<string, Models.Component[]>();
  const byRelease = new Map<string, Models.Component>();
  const pending: Array<Promise<void>> = [];
  for (const [name, versions] of [...releases].sort(([a], [b]) => a.localeCompare(b))) {
    for (const [version, builds] of versions) {
      const build = builds[0] as PackageBuild;
      const local = build.source.kind === "path" ? localVersion(name, version) : undefined;
      const purl = buildPurl(build, local);
      const { refs, single } = references(cdx, builds);
      // A version the lock does not give is left out, not shown as its stand-in.
      const shown = local ?? (build.versionUnknown ? undefined : version);
      const component = new Models.Component(Enums.ComponentType.Library, name, { ...(shown !== undefined ? { version: shown } : {}), purl, bomRef: purl });
      if (single) component.hashes.set(Enums.HashAlgorithm["SHA-256"], single);
      for (const r of refs) component.externalReferences.add(r);
      const attested = provenance?.get(name);
      if (attested) addProvenance(cdx, component, attested);
      const pkg = byKey.get(`${name} ${version}`);
      // Only PyPI's own answer speaks for a PyPI name; another index's project of that name may be a different one.
      if (pkg?.source.kind === "index" && isPypiIndex(pkg.source.url) && licenses) {
        pending.push(licenses(name, version).then((l) => (l ? addLicenses(cdx, component, l) : undefined)));
      }
      bom.components.add(component);
      components.set(name, [...(components.get(name) ?? []), component]);
      byRelease.set(`${name} ${version}`, component);
    }
  }
  await Promise.all(pending);
  for (const [name, versions] of releases) {
    for (const [version, builds] of versions) {
      const component = byRelease.get(`${name} ${version}`);
      if (!component) continue;
      for (const dep of new Set(builds.flatMap((b) => b.dependencies))) {
        for (const target of components.get(dep) ?? []) component.dependencies.add(target.bomRef);
      }
    }
  }
  const direct = new Set(Object.values(lock.root.groups).flat().map((d) => d.name));
  for (const name of direct) for (const c of components.get(name) ?? []) root.dependencies.add(c.bomRef);
  return bom;
}

export async function serializeBom(bom: Models.Bom): Promise<string> {
  const { Serialize, Spec } = await cyclonedx();
  const serializer = new Serialize.JsonSerializer(new Serialize.JSON.Normalize.Factory(Spec.Spec1dot6));
  return `${serializer.serialize(bom, { sortLists: true, space: 2 })}\n`;
}

/** Reads a lock, resolves it as generate does and returns its SBOM. */
export async function sbom(options: SbomOptions): Promise<SbomResult> {
  const result = await generate(options);
  const offline = options.offline ?? false;
  const pypiServed = result.lock.packages.some((p) => p.source.kind === "index" && isPypiIndex(p.source.url)) && !(options.indexUrl ?? process.env["PIP_INDEX_URL"]) && !redirectFor(options.indexes, { url: PYPI_SIMPLE_URL });
  let licenses = options.licenses;
  let http: HttpClient | undefined;
  if (!licenses && pypiServed) {
    http = new HttpClient(options.http);
    licenses = pypiLicenses({ http, cache: new DiskCache(options.cacheDir ?? defaultCacheDir()), offline });
  }
  try {
    const bom = await buildBom(result.lock, result.resolution, { ...(licenses ? { licenses } : {}), provenance: result.provenance, localVersion: result.localVersion });
    return { bom, json: await serializeBom(bom), warnings: result.warnings };
  } finally {
    await http?.close();
    // Licences are cached for speed only: one that could not be written is asked again next time.
    await settleWrites();
  }
}
