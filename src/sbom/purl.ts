import { PackageURL } from "packageurl-js";

/**
 * The package URL of a PyPI project release, `pkg:pypi/<name>@<version>`
 * (github.com/package-url/purl-spec, PyPI type: lower case, `_` as `-`).
 * The SBOM's components and the generated Nix's `passthru.purl` both come
 * from here, so Nix-side tools can join the two.
 */
export function pypiPurl(name: string, version: string): string {
  return new PackageURL("pypi", undefined, name, version, undefined, undefined).toString();
}
