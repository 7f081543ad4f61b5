/**
 * Credentials never reach a message, a report or an output: URLs lose their
 * password (or the token an http(s) URL carries as its user name), in clear
 * and percent-encoded (as in a purl's qualifiers), and every credential value
 * lock2nix learned during the run (from the environment through `${VAR}`,
 * LOCK2NIX_INDEX_*, ~/.netrc) is replaced wherever it appears.
 */

const secrets = new Set<string>();

/** Shorter values would be found inside hashes and words: too many false hits to be useful. */
const MIN_SECRET_LENGTH = 4;

/** Remembers a credential so that redact() removes it from any text. */
export function registerSecret(value: string | undefined): void {
  if (value === undefined || value.length < MIN_SECRET_LENGTH) return;
  secrets.add(value);
  const encoded = encodeURIComponent(value);
  if (encoded !== value) secrets.add(encoded);
}

const USER_PASSWORD = /\b([a-z][a-z0-9+.-]*:\/\/)([^\s/?#@:"'<>]*):([^\s/?#@"'<>]*)@/gi;
const HTTP_TOKEN = /\b((?:[a-z0-9]+\+)?https?:\/\/)([^\s/?#@:"'<>]+)@/gi;
const ENCODED_USERINFO = /(%3A%2F%2F)((?:(?!%2F|%40)[^\s&"'<>/])+)%40/gi;

/** `text` with every credential taken out. */
export function redact(text: string): string {
  let out = text.replace(USER_PASSWORD, "$1$2:***@").replace(HTTP_TOKEN, "$1***@").replace(ENCODED_USERINFO, "$1***%40");
  if (secrets.size === 0) return out;
  // Longest first, so a value that holds another is removed whole.
  for (const s of [...secrets].sort((a, b) => b.length - a.length)) {
    if (out.includes(s)) out = out.split(s).join("***");
  }
  return out;
}

/** For tests: forget what earlier runs registered. */
export function forgetSecrets(): void {
  secrets.clear();
}

/**
 * The URL as the generated Nix may hold it: the store and every .drv are
 * world-readable, so a password or token never goes there (fetchers take
 * credentials from netrc). An ssh user name (`git@`) is no secret and stays.
 */
export function urlForNix(url: string): string {
  const m = /^([a-z][a-z0-9+.-]*:\/\/)([^/?#@]*)@/i.exec(url);
  if (!m) return url;
  const user = (m[2] as string).split(":")[0] as string;
  const keep = /^(?:git\+)?ssh:/i.test(url) && user !== "" ? `${user}@` : "";
  return `${m[1]}${keep}${url.slice(m[0].length)}`;
}
