/**
 * Certificate identity against a PEP 740 publisher, by pypi-attestations' rules
 * (pypi_attestations/_impl.py, GitHubPublisher / GitLabPublisher / GooglePublisher): issuer, the
 * Fulcio Source Repository URI and the Build Config URI's workflow file; Google by e-mail.
 */
import { ASN1Obj, type X509Certificate } from "@sigstore/core";

/** The publisher object of a provenance bundle. */
export interface Publisher {
  kind: string;
  repository?: string;
  workflow?: string;
  workflow_filepath?: string;
  environment?: string | null;
  email?: string;
}

// Fulcio's certificate extensions, v2 (DER UTF8String values): docs/oid-info.md in sigstore/fulcio.
const ISSUER_OID = "1.3.6.1.4.1.57264.1.8";
const SOURCE_REPO_OID = "1.3.6.1.4.1.57264.1.12";
export const SOURCE_DIGEST_OID = "1.3.6.1.4.1.57264.1.13";
const BUILD_CONFIG_OID = "1.3.6.1.4.1.57264.1.18";

/** A Fulcio v2 extension's value, or undefined when the certificate has none. */
export function extensionText(cert: X509Certificate, oid: string): string | undefined {
  const ext = cert.extension(oid);
  return ext ? ASN1Obj.parseBuffer(Buffer.from(ext.value)).value.toString("utf8") : undefined;
}

/** Why the certificate does not match the publisher, or undefined when it does. */
export function matchPublisher(cert: X509Certificate, pub: Publisher): string | undefined {
  const issuer = extensionText(cert, ISSUER_OID);
  const repoUri = extensionText(cert, SOURCE_REPO_OID);
  const config = extensionText(cert, BUILD_CONFIG_OID) ?? "";
  switch (pub.kind) {
    case "GitHub": {
      if (issuer !== "https://token.actions.githubusercontent.com") return `issuer ${issuer ?? "missing"} is not GitHub Actions`;
      if (repoUri !== `https://github.com/${pub.repository}`) return `signed for ${repoUri ?? "no repository"}, publisher is ${pub.repository}`;
      // The Build Config URI is https://github.com/<owner>/<repo>/.github/workflows/<file>@<ref>.
      const file = /\/\.github\/workflows\/([^@/]+)@/.exec(config)?.[1];
      if (file !== pub.workflow) return `signed by workflow ${file ?? "unknown"}, publisher names ${pub.workflow}`;
      return undefined;
    }
    case "GitLab": {
      if (issuer !== "https://gitlab.com") return `issuer ${issuer ?? "missing"} is not gitlab.com`;
      if (repoUri !== `https://gitlab.com/${pub.repository}`) return `signed for ${repoUri ?? "no repository"}, publisher is ${pub.repository}`;
      // https://gitlab.com/<project>//<file path>@<ref>
      const path = /^[^@]*?\/\/(.+)@[^@]*$/.exec(config.replace(/^https:\/\//, ""))?.[1];
      if (path !== pub.workflow_filepath) return `signed by ${path ?? "unknown"}, publisher names ${pub.workflow_filepath}`;
      return undefined;
    }
    case "Google": {
      if (issuer !== "https://accounts.google.com") return `issuer ${issuer ?? "missing"} is not Google`;
      if (cert.subjectAltName !== pub.email) return `signed by ${cert.subjectAltName ?? "nobody"}, publisher is ${pub.email}`;
      return undefined;
    }
    default:
      return `unknown publisher kind ${JSON.stringify(pub.kind)}`;
  }
}
