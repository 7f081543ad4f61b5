import type { DiskCache } from "../index/cache.js";
import { isTable } from "../formats/fields.js";
import type { HttpClient } from "../index/http.js";
import { parseJson } from "../index/responses.js";
import { normalizeName } from "../pep/normalize.js";

/**
 * Licences as the index reports them. PyPI's JSON API carries core
 * metadata's License-Expression (PEP 639), License and classifiers; other
 * indexes' simple API carries none, so their packages get no licence.
 */

export interface ReportedLicense {
  /** An SPDX expression (PEP 639 License-Expression, or a License field that is a bare SPDX id). */
  expression?: string;
  /** Free-text licence names (a short License field, `License ::` classifiers). */
  names: string[];
}

/** Looks up what the index reports for a release; undefined when it reports nothing (or was not asked). */
export type LicenseLookup = (name: string, version: string) => Promise<ReportedLicense | undefined>;

/** Classifiers whose SPDX id is unambiguous. */
const CLASSIFIER_SPDX: Record<string, string> = {
  "MIT License": "MIT",
  "Apache Software License": "Apache-2.0",
  "BSD License": "BSD-3-Clause",
  "ISC License (ISCL)": "ISC",
  "Mozilla Public License 2.0 (MPL 2.0)": "MPL-2.0",
  "Python Software Foundation License": "PSF-2.0",
  "The Unlicense (Unlicense)": "Unlicense",
};

/** Reads `info` of a PyPI JSON API answer. */
export function licenseFromPypiJson(doc: unknown): ReportedLicense | undefined {
  const info = isTable(doc) && isTable(doc["info"]) ? doc["info"] : undefined;
  if (!info) return undefined;
  const expression = typeof info["license_expression"] === "string" ? info["license_expression"].trim() : "";
  if (expression) return { expression, names: [] };
  const names: string[] = [];
  const field = typeof info["license"] === "string" ? info["license"].trim() : "";
  // The License field often holds the whole licence text; only a short one names it.
  if (field && field.length <= 80 && !field.includes("\n") && !/^(unknown|none|other|license)$/i.test(field)) names.push(field);
  const classifiers = Array.isArray(info["classifiers"]) ? info["classifiers"].filter((c): c is string => typeof c === "string") : [];
  for (const c of classifiers) {
    const m = /^License :: (?:OSI Approved :: )?(.+)$/.exec(c);
    if (m && m[1] !== "OSI Approved" && !names.includes(m[1] as string)) names.push(m[1] as string);
  }
  if (names.length === 0) return undefined;
  // A classifier alone, with one SPDX meaning, is stated as that id.
  const spdx = names.length === 1 ? CLASSIFIER_SPDX[names[0] as string] : undefined;
  return spdx ? { expression: spdx, names: [] } : { names };
}

export interface PypiLicenseOptions {
  http: HttpClient;
  cache?: DiskCache;
  /** PyPI's root; default https://pypi.org. */
  baseUrl?: string;
  offline?: boolean;
}

/**
 * Asks PyPI's JSON API (`/pypi/<name>/<version>/json`), through the disk
 * cache under the same key the index client uses, so a generate run's
 * answers are reused. Offline, only the cache is read.
 */
export function pypiLicenses(options: PypiLicenseOptions): LicenseLookup {
  const base = (options.baseUrl ?? "https://pypi.org").replace(/\/+$/, "");
  return async (name, version) => {
    const url = `${base}/pypi/${normalizeName(name)}/${encodeURIComponent(version)}/json`;
    let body = options.cache?.get(url)?.body;
    if (body === undefined) {
      if (options.offline) return undefined;
      const res = await options.http.get(url, { accept: "application/json" });
      if (res.status !== 200) return undefined;
      body = res.body.toString("utf8");
      options.cache?.put({ url, storedAt: Date.now(), maxAge: 600, body });
    }
    try {
      return licenseFromPypiJson(parseJson(body, url));
    } catch {
      return undefined;
    }
  };
}
