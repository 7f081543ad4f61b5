import { redactUrl } from "../index/credentials.js";
import type { PackageBuild } from "../resolve/index.js";

/**
 * The package URL of a PyPI project release, `pkg:pypi/<name>@<version>`
 * (github.com/package-url/purl-spec, PyPI type: the name in lower case with
 * `_` as `-`; both parts percent-encoded, `+` and `:` kept in the version).
 * The SBOM's components and the generated Nix's `passthru.purl` both come
 * from here, so Nix-side tools can join the two. Written out rather than
 * through packageurl-js, whose load alone (an Intl.Collator) costs a cached
 * run 10 ms; the tests check both agree.
 */
export function pypiPurl(name: string, version?: string): string {
  const purlName = encodeURIComponent(name.toLowerCase().replaceAll("_", "-"));
  // The purl spec makes the version optional: none rather than a made-up one.
  if (version === undefined) return `pkg:pypi/${purlName}`;
  const purlVersion = encodeURIComponent(version).replaceAll("%3A", ":").replaceAll("%2B", "+");
  return `pkg:pypi/${purlName}@${purlVersion}`;
}

/**
 * The purl of a package as lock2nix builds it: `pkg:pypi/<name>` with no
 * version when the lock gives none (never a stand-in `@0`), and for a git
 * source the purl-spec `vcs_url` qualifier, `git+<url>@<commit>` (SPDX's
 * form), percent-encoded as packageurl-js encodes qualifier values.
 */
export function packagePurl(name: string, version: string | undefined, git?: { url: string; commit: string }): string {
  const base = version === undefined ? pypiPurl(name, "").slice(0, -1) : pypiPurl(name, version);
  if (!git) return base;
  const url = git.url.startsWith("git+") ? git.url : `git+${git.url}`;
  return `${base}?vcs_url=${encodeURIComponent(`${url}@${git.commit}`)}`;
}

/**
 * A build's purl, the same in the SBOM and the generated Nix's `passthru.purl`:
 * `localVersion` (a local tree's own, read from disk) over the lock's version.
 */
export function buildPurl(build: Pick<PackageBuild, "name" | "version" | "source" | "versionUnknown">, localVersion?: string): string {
  const s = build.source;
  const version = localVersion ?? (build.versionUnknown ? undefined : build.version);
  return packagePurl(build.name, version, s.kind === "git" ? { url: redactUrl(s.url), commit: s.commit } : undefined);
}
