import type { Dispatcher } from "undici";
import { Lock2nixError } from "../errors.js";
import { basicAuthHeader, redactUrl, type Credentials } from "./credentials.js";

export interface HttpOptions {
  /** Per-request timeout for headers and for each wait for body data, in milliseconds. */
  timeoutMs?: number;
  /** Longest one index request may take, body included (a server dripping bytes is cut off), in milliseconds. */
  deadlineMs?: number;
  /** Longest one download (for hashing, inspecting) may take, in milliseconds. */
  downloadDeadlineMs?: number;
  /** Attempts after the first, on 5xx, 429, resets and timeouts. */
  retries?: number;
  /** Base of the exponential backoff, in milliseconds. */
  backoffMs?: number;
  /** Longest Retry-After honoured, in milliseconds; a server asking for longer is reported at once. */
  maxRetryAfterMs?: number;
  /** Connections per origin. */
  connections?: number;
  /** undici's socket options (tests give a `lookup` that fails as DNS would). */
  connect?: Record<string, unknown>;
  onRetry?: (message: string) => void;
}

export interface HttpResponse {
  status: number;
  body: Buffer;
  headers: Record<string, string | string[] | undefined>;
}

export interface GetOptions {
  accept?: string;
  etag?: string;
  credentials?: Credentials;
}

/** The index cannot be used: it stayed unreachable, or answered with an error. */
export class IndexError extends Lock2nixError {}

/** A host that never answered in this run failed DNS or refused connections: later requests to it fail at once. */
export class UnreachableError extends IndexError {
  constructor(
    message: string,
    readonly host: string,
    /** What went wrong, without the URL: `the host name does not resolve`, `connection refused`. */
    readonly reason: string,
  ) {
    super(message);
  }
}

class RetryableError extends Error {
  constructor(
    message: string,
    readonly retryAfterMs?: number,
    /** The host a connection to failed, for telling a never-reached host apart. */
    readonly host?: string,
    readonly code?: string,
  ) {
    super(message);
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function retryAfter(header: string | string[] | undefined): number | undefined {
  const value = Array.isArray(header) ? header[0] : header;
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}

/**
 * HTTP GET with a keep-alive pool (no pipelining), proxies from
 * HTTP(S)_PROXY/NO_PROXY, a timeout per request, and retries with
 * exponential backoff and full jitter on 5xx, 429 (honouring
 * Retry-After), connection resets and timeouts.
 */
type Undici = Pick<typeof import("undici"), "Agent" | "EnvHttpProxyAgent" | "request">;

export class HttpClient {
  /** undici is loaded on the first request: a run answered from the cache never pays for it. */
  private connection: Promise<{ undici: Undici; dispatcher: Dispatcher }> | undefined;
  private readonly agentOptions: { connections: number; pipelining: number; keepAliveTimeout: number; headersTimeout: number; bodyTimeout: number; connect?: Record<string, unknown> };
  private readonly timeoutMs: number;
  private readonly deadlineMs: number;
  private readonly downloadDeadlineMs: number;
  /** Hosts that answered at least once in this run. */
  private readonly answered = new Set<string>();
  /** Hosts found unreachable in this run, and why: not tried again. */
  private readonly unreachable = new Map<string, string>();
  private readonly retries: number;
  private readonly backoffMs: number;
  private readonly maxRetryAfterMs: number;
  private readonly onRetry: (message: string) => void;
  requests = 0;

  constructor(options: HttpOptions = {}) {
    this.timeoutMs = options.timeoutMs ?? 30_000;
    this.deadlineMs = options.deadlineMs ?? 120_000;
    this.downloadDeadlineMs = options.downloadDeadlineMs ?? 900_000;
    this.retries = options.retries ?? 4;
    this.backoffMs = options.backoffMs ?? 250;
    this.maxRetryAfterMs = options.maxRetryAfterMs ?? 60_000;
    this.onRetry = options.onRetry ?? (() => {});
    this.agentOptions = {
      connections: options.connections ?? 32,
      pipelining: 1,
      keepAliveTimeout: 30_000,
      headersTimeout: this.timeoutMs,
      bodyTimeout: this.timeoutMs,
      ...(options.connect ? { connect: options.connect } : {}),
    };
  }

  private connect(): Promise<{ undici: Undici; dispatcher: Dispatcher }> {
    this.connection ??= import("undici").then((undici: Undici) => {
      const proxied = ["HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy"].some((v) => process.env[v]);
      const dispatcher: Dispatcher = proxied ? new undici.EnvHttpProxyAgent(this.agentOptions) : new undici.Agent(this.agentOptions);
      return { undici, dispatcher };
    });
    return this.connection;
  }

  async close(): Promise<void> {
    if (this.connection) await (await this.connection).dispatcher.close();
  }

  /**
   * One request, following redirects itself: each hop goes through the
   * dispatcher again, so HTTPS_PROXY/NO_PROXY decide for the new host too,
   * and credentials are sent only to the origin they were given for.
   */
  private async open(url: string, options: GetOptions, signal: AbortSignal): Promise<Dispatcher.ResponseData> {
    const { undici, dispatcher } = await this.connect();
    const origin = new URL(url).origin;
    let target = new URL(url);
    for (let hop = 0; ; hop++) {
      target.username = "";
      target.password = "";
      const headers: Record<string, string> = { "user-agent": "lock2nix" };
      if (options.accept) headers["accept"] = options.accept;
      if (options.etag) headers["if-none-match"] = options.etag;
      if (options.credentials && target.origin === origin) headers["authorization"] = basicAuthHeader(options.credentials);
      this.requests++;
      let res: Dispatcher.ResponseData;
      try {
        res = await undici.request(target, { method: "GET", headers, dispatcher, signal });
      } catch (err) {
        throw new RetryableError(describeNetworkError(err, signal), undefined, target.host, networkCode(err));
      }
      this.answered.add(target.host);
      const location = res.headers["location"];
      if (![301, 302, 303, 307, 308].includes(res.statusCode) || location === undefined) return res;
      await res.body.dump().catch(() => {});
      if (hop >= MAX_REDIRECTS) throw new IndexError(`${redactUrl(url)}: more than ${MAX_REDIRECTS} redirects`);
      target = new URL(Array.isArray(location) ? (location[0] as string) : location, target);
      if (target.protocol !== "https:" && target.protocol !== "http:") throw new IndexError(`${redactUrl(url)}: redirected to a ${target.protocol} URL`);
    }
  }

  private async once(url: string, options: GetOptions): Promise<HttpResponse> {
    const signal = AbortSignal.timeout(this.deadlineMs);
    const res = await this.open(url, options, signal);
    let body: Buffer;
    try {
      body = Buffer.from(await res.body.arrayBuffer());
    } catch (err) {
      throw new RetryableError(`the response was cut off (${describeNetworkError(err, signal)})`);
    }
    if (res.statusCode === 429 || res.statusCode >= 500) {
      throw new RetryableError(`HTTP ${res.statusCode}`, retryAfter(res.headers["retry-after"]));
    }
    return { status: res.statusCode, body, headers: res.headers };
  }

  /**
   * Runs `attempt` with the retry policy every request shares: backoff with
   * full jitter, Retry-After up to a bound, and no retries for a host that
   * has not answered once in this run and whose name does not resolve (or
   * that refused a second time): a mistyped or unreachable mirror is
   * reported in seconds, not after minutes of retries.
   */
  private async withRetries<T>(url: string, attempt: () => Promise<T>, what: string): Promise<T> {
    let last = "";
    for (let n = 0; n <= this.retries; n++) {
      // Every request a lock makes to a dead mirror waits in the queue: only the first ones try it.
      const host = hostOf(url);
      const known = host === undefined ? undefined : this.unreachable.get(host);
      if (host !== undefined && known !== undefined) throw unreachable(url, host, known);
      try {
        return await attempt();
      } catch (err) {
        if (!(err instanceof RetryableError)) throw err;
        last = err.message;
        const neverAnswered = err.host !== undefined && !this.answered.has(err.host);
        if (err.host !== undefined && neverAnswered && (DNS_CODES.has(err.code ?? "") || (err.code === "ECONNREFUSED" && n >= 1))) {
          this.unreachable.set(err.host, last);
          throw unreachable(url, err.host, last);
        }
        if (err.retryAfterMs !== undefined && err.retryAfterMs > this.maxRetryAfterMs) {
          throw new IndexError(`${redactUrl(url)}: ${last}, and the server asks to retry after ${Math.ceil(err.retryAfterMs / 1000)} s, longer than lock2nix waits (${this.maxRetryAfterMs / 1000} s)`);
        }
        if (n === this.retries) break;
        const wait = err.retryAfterMs ?? Math.random() * this.backoffMs * 2 ** n;
        this.onRetry(`${redactUrl(url)}: ${err.message}; retrying in ${Math.round(wait)} ms (attempt ${n + 2} of ${this.retries + 1})`);
        await sleep(wait);
      }
    }
    throw new IndexError(`${redactUrl(url)}: ${what} after ${this.retries + 1} attempt${this.retries === 0 ? "" : "s"} (last: ${last})`);
  }

  /** GETs `url`; returns any final status (including 304 and 404) for the caller to judge. */
  async get(url: string, options: GetOptions = {}): Promise<HttpResponse> {
    return this.withRetries(url, () => this.once(url, options), "the index stayed unreachable");
  }

  /**
   * Streams `url` into the sink `start()` returns, with the same retries as
   * get(): each attempt starts again from the first byte, with a fresh sink.
   */
  async stream(url: string, start: () => (chunk: Buffer) => void, credentials?: Credentials): Promise<void> {
    await this.withRetries(
      url,
      async () => {
        const signal = AbortSignal.timeout(this.downloadDeadlineMs);
        const res = await this.open(url, credentials ? { credentials } : {}, signal);
        if (res.statusCode === 429 || res.statusCode >= 500) {
          await res.body.dump().catch(() => {});
          throw new RetryableError(`HTTP ${res.statusCode}`, retryAfter(res.headers["retry-after"]));
        }
        if (res.statusCode !== 200) {
          await res.body.dump().catch(() => {});
          throw new IndexError(`${redactUrl(url)}: download failed with HTTP ${res.statusCode}`);
        }
        const sink = start();
        try {
          for await (const chunk of res.body) sink(chunk as Buffer);
        } catch (err) {
          throw new RetryableError(`the download was cut off (${describeNetworkError(err, signal)})`);
        }
      },
      "the download failed",
    );
  }
}

function hostOf(url: string): string | undefined {
  try {
    return new URL(url).host;
  } catch {
    return undefined;
  }
}

function unreachable(url: string, host: string, reason: string): UnreachableError {
  return new UnreachableError(`${redactUrl(url)}: ${host} cannot be reached (${reason}); check the URL, or the network`, host, reason);
}

/** getaddrinfo's failures: the name does not resolve (now). */
const DNS_CODES = new Set(["ENOTFOUND", "EAI_AGAIN", "EAI_FAIL", "EAI_NONAME"]);

const MAX_REDIRECTS = 5;

function networkCode(err: unknown): string | undefined {
  const e = err as { code?: string; cause?: { code?: string } };
  return e.cause?.code ?? e.code;
}

function describeNetworkError(err: unknown, signal?: AbortSignal): string {
  if (signal?.aborted) return "took longer than lock2nix allows one request";
  const e = err as { code?: string; message?: string; cause?: { code?: string; message?: string } };
  const code = e.code ?? e.cause?.code;
  if (code !== undefined && DNS_CODES.has(code)) return "the host name does not resolve";
  if (code === "UND_ERR_HEADERS_TIMEOUT" || code === "UND_ERR_BODY_TIMEOUT") return "timed out";
  if (code === "ECONNRESET" || code === "UND_ERR_SOCKET") return "connection reset";
  if (code === "ECONNREFUSED") return "connection refused";
  return code ? `${code}: ${e.message ?? ""}`.trim() : (e.message ?? String(err));
}
