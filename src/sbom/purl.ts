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
