import { readText } from "../fs.js";
import { registerSecret } from "../redact.js";
import { homedir } from "node:os";
import { join } from "node:path";
import { parseNetrc } from "./netrc.js";

export { parseNetrc };

export interface Credentials {
  username: string;
  password: string;
}

/** `LOCK2NIX_INDEX_<NAME>_USERNAME`: the index name upper-cased, other characters as `_`. */
export function credentialEnvName(indexName: string, part: "USERNAME" | "PASSWORD"): string {
  return `LOCK2NIX_INDEX_${indexName.toUpperCase().replace(/[^A-Z0-9]/g, "_")}_${part}`;
}

/**
 * Finds credentials for an index: from its URL, then the environment,
 * then ~/.netrc (or $NETRC). Credentials are only ever put in request
 * headers; URLs shown or written anywhere go through `redactUrl`.
 */
export class CredentialStore {
  private netrc: Map<string, Credentials> | undefined;

  constructor(private readonly env: NodeJS.ProcessEnv = process.env) {}

  private netrcEntries(): Map<string, Credentials> {
    if (!this.netrc) {
      const path = this.env["NETRC"] ?? join(this.env["HOME"] ?? homedir(), ".netrc");
      try {
        this.netrc = parseNetrc(readText(path));
      } catch {
        this.netrc = new Map();
      }
    }
    return this.netrc;
  }

  lookup(indexName: string, url: URL): Credentials | undefined {
    const found = this.find(indexName, url);
    // A token is often given as the user name with no password.
    if (found) registerSecret(found.password || found.username);
    return found;
  }

  private find(indexName: string, url: URL): Credentials | undefined {
    if (url.username) return { username: decodeURIComponent(url.username), password: decodeURIComponent(url.password) };
    const username = this.env[credentialEnvName(indexName, "USERNAME")];
    if (username !== undefined) return { username, password: this.env[credentialEnvName(indexName, "PASSWORD")] ?? "" };
    const entries = this.netrcEntries();
    return entries.get(url.hostname) ?? entries.get("");
  }
}

/** The URL without user name and password, for messages and output. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (!u.username && !u.password) return url;
    u.username = "";
    u.password = "";
    return u.toString();
  } catch {
    return url.replace(/\/\/[^/@]*@/, "//");
  }
}

export function basicAuthHeader(c: Credentials): string {
  return `Basic ${Buffer.from(`${c.username}:${c.password}`).toString("base64")}`;
}
