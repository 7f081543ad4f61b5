import { Lock2nixError } from "../errors.js";
import { redactUrl } from "../index/credentials.js";
import type { Lock, LockedPackage } from "../model.js";
import type { Finding, Severity } from "./types.js";

/**
 * Pinning: every file pinned by a sha256 the lock records, every URL https,
 * every git dependency at a full commit. Judged from the lock alone, before
 * any index fills gaps in: what the index supplies is trust on first use.
 */

const LOOPBACK = /^(localhost|127(?:\.\d+){3}|\[::1\])$/;

/** `insecure` when the URL travels in clear text, `loopback` for this machine's own servers. */
function transport(url: string): "secure" | "insecure" | "loopback" {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return "secure";
  }
  if (parsed.protocol !== "http:" && parsed.protocol !== "git:") return "secure";
  return LOOPBACK.test(parsed.hostname) ? "loopback" : "insecure";
}

function insecureUrl(pkg: Pick<LockedPackage, "name" | "version">, url: string, what: string): Finding | undefined {
  const t = transport(url);
  if (t === "secure") return undefined;
  const shown = redactUrl(url);
  const severity: Severity = t === "loopback" ? "low" : "high";
  return {
    kind: "unpinned",
    severity,
    package: pkg.name,
    version: pkg.version,
    rule: "unpinned/insecure-url",
    message: `${what} ${shown} is not https: ${t === "loopback" ? "a server on this machine" : "anyone on the network path can change what is downloaded"}`,
  };
}

const FULL_COMMIT = /^(?:[0-9a-f]{40}|[0-9a-f]{64})$/;

function packageFindings(pkg: LockedPackage): Finding[] {
  const out: Finding[] = [];
  const add = (f: Finding | undefined) => {
    if (f) out.push(f);
  };
  const base = { kind: "unpinned" as const, package: pkg.name, version: pkg.version };
  const s = pkg.source;
  switch (s.kind) {
    case "index":
    case "urls": {
      if (s.kind === "index") add(insecureUrl(pkg, s.url, "its index"));
      const unhashed = pkg.artifacts.filter((a) => !a.sha256);
      if (pkg.artifacts.length === 0) {
        out.push({
          ...base,
          severity: "medium",
          rule: "unpinned/no-sha256",
          summary: "the lock records no file hashes: files and sha256 are taken from the index when generating (trust on first use)",
          message: `the lock records no file or sha256 for ${pkg.name} ${pkg.version}: its files and hashes are taken from the index when generating (trust on first use)`,
        });
      } else if (unhashed.length > 0) {
        out.push({
          ...base,
          severity: "medium",
          rule: "unpinned/no-sha256",
          summary: "some files have no sha256 in the lock",
          message: `${unhashed.length} of ${pkg.artifacts.length} files have no sha256 in the lock (${unhashed.map((a) => a.filename).join(", ")})`,
        });
      }
      for (const a of pkg.artifacts) if (a.url) add(insecureUrl(pkg, a.url, `file ${a.filename}`));
      break;
    }
    case "url": {
      add(insecureUrl(pkg, s.url, "its URL"));
      if (!pkg.artifacts.some((a) => a.sha256)) {
        out.push({
          ...base,
          severity: "high",
          rule: "unpinned/url-without-sha256",
          message: `direct URL ${redactUrl(s.url)} has no sha256 in the lock: whatever the URL serves when generating is what gets built`,
        });
      }
      break;
    }
    case "git": {
      if (!FULL_COMMIT.test(s.commit)) {
        out.push({
          ...base,
          severity: "high",
          rule: "unpinned/git-not-full-commit",
          message: `git dependency ${redactUrl(s.url)} is pinned to \`${s.commit}\`, not a full commit hash: what it names can move`,
        });
      }
      const t = transport(s.url);
      if (t !== "secure") {
        out.push({
          ...base,
          severity: t === "loopback" ? "low" : "medium",
          rule: "unpinned/insecure-url",
          message: `git repository ${redactUrl(s.url)} is fetched without TLS (the commit hash still pins its content)`,
        });
      }
      break;
    }
    case "file":
      if (!pkg.artifacts.some((a) => a.sha256)) {
        out.push({
          ...base,
          severity: "medium",
          rule: "unpinned/local-file-without-sha256",
          message: `local archive ${s.path} has no sha256 in the lock: the file on disk is built as it is`,
        });
      }
      break;
    case "directory":
      // A source tree has nothing to hash; `sources` reports local paths.
      break;
  }
  return out;
}

export function checkPinning(lock: Lock): Finding[] {
  const out = lock.packages.flatMap(packageFindings);
  for (const index of lock.root.indexes ?? []) {
    const f = insecureUrl({ name: "", version: "" }, index.url, `extra index ${index.name}`);
    if (f) out.push(f);
  }
  return out;
}

/** Readers refuse hashes weaker than sha256 and git refs that are not commits; the audit turns that refusal into a finding. */
const REFUSALS: Array<{ re: RegExp; rule: string; what: string }> = [
  { re: /is not a sha256|uses (md5|sha1|sha224|sha384|sha512)\b/, rule: "unpinned/weak-hash", what: "a file is pinned by a hash weaker than sha256" },
  { re: /must name a full commit|must name its commit/, rule: "unpinned/git-not-full-commit", what: "a git dependency is not pinned to a full commit" },
];

export function refusalFinding(err: unknown): Finding | undefined {
  if (!(err instanceof Lock2nixError)) return undefined;
  const refusal = REFUSALS.find((r) => r.re.test(err.message));
  if (!refusal) return undefined;
  return {
    kind: "unpinned",
    severity: "high",
    package: err.location.package ?? "",
    version: "",
    rule: refusal.rule,
    message: `${refusal.what}, so the lock cannot be read and no other check ran: ${err.format()}`,
  };
}
