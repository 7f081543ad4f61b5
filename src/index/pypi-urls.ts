import { parseWheelFilename } from "../pep/tags.js";

export const PYPI_FILES_HOST = "https://files.pythonhosted.org";

/** Index URLs that mean PyPI itself. */
export function isPypiIndex(url: string): boolean {
  return /^https?:\/\/(pypi\.org|pypi\.python\.org)\/(simple|pypi)\/?$/.test(url.replace(/\/+$/, "/"));
}

/**
 * The URL PyPI serves a file at, predicted without asking it, as nixpkgs'
 * fetchPypi does (pkgs/build-support/fetchpypi/default.nix): sdists under
 * `packages/source/<first letter>/<pname>/`, wheels under
 * `packages/<python tag>/<first letter>/<pname>/`, with `pname` spelled as
 * in the file name. PyPI redirects these paths to the hashed storage path.
 */
export function predictPypiUrl(filename: string): string {
  const encoded = encodeURIComponent(filename);
  if (filename.endsWith(".whl")) {
    const dist = filename.split("-")[0] as string;
    const pythonTag = parseWheelFilename(filename).pythonTags.join(".");
    return `${PYPI_FILES_HOST}/packages/${encodeURIComponent(pythonTag)}/${encodeURIComponent(dist[0] ?? "_")}/${encodeURIComponent(dist)}/${encoded}`;
  }
  const m = /^(.+?)-[0-9][^-]*\.(tar\.gz|zip|tar\.bz2|tgz|tar\.xz)$/i.exec(filename);
  const pname = m ? (m[1] as string) : (filename.split("-")[0] as string);
  return `${PYPI_FILES_HOST}/packages/source/${encodeURIComponent(pname[0] ?? "_")}/${encodeURIComponent(pname)}/${encoded}`;
}
