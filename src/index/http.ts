import type { Dispatcher } from "undici";
import { Lock2nixError } from "../errors.js";
import { basicAuthHeader, redactUrl, type Credentials } from "./credentials.js";

export interface HttpOptions {
  /** Per-request timeout for headers and for the body, in milliseconds. */
  timeoutMs?: number;
  /** Attempts after the first, on 5xx, 429, resets and timeouts. */
  retries?: number;
  /** Base of the exponential backoff, in milliseconds. */
  backoffMs?: number;
  /** Longest Retry-After honoured, in milliseconds. */
  maxRetryAfterMs?: number;
  /** Connections per origin. */
  connections?: number;
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

class RetryableError extends Error {
  constructor(
    message: string,
    readonly retryAfterMs?: number,
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
  private readonly agentOptions: { connections: number; pipelining: number; keepAliveTimeout: number; headersTimeout: number; bodyTimeout: number };
  private readonly timeoutMs: number;
  private readonly retries: number;
  private readonly backoffMs: number;
  private readonly maxRetryAfterMs: number;
  private readonly onRetry: (message: string) => void;
  requests = 0;

  constructor(options: HttpOptions = {}) {
    this.timeoutMs = options.timeoutMs ?? 30_000;
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

  private async once(url: string, options: GetOptions): Promise<HttpResponse> {
    const headers: Record<string, string> = { "user-agent": "lock2nix" };
    if (options.accept) headers["accept"] = options.accept;
    if (options.etag) headers["if-none-match"] = options.etag;
    if (options.credentials) headers["authorization"] = basicAuthHeader(options.credentials);
    const target = new URL(url);
    target.username = "";
    target.password = "";
    this.requests++;
    const { undici, dispatcher } = await this.connect();
    let res;
    try {
      res = await undici.request(target, { method: "GET", headers, dispatcher, maxRedirections: 5 });
    } catch (err) {
      throw new RetryableError(describeNetworkError(err));
    }
    let body: Buffer;
    try {
      body = Buffer.from(await res.body.arrayBuffer());
    } catch (err) {
      throw new RetryableError(`the response was cut off (${describeNetworkError(err)})`);
    }
    if (res.statusCode === 429 || res.statusCode >= 500) {
      throw new RetryableError(`HTTP ${res.statusCode}`, retryAfter(res.headers["retry-after"]));
    }
    return { status: res.statusCode, body, headers: res.headers };
  }

  /** GETs `url`; returns any final status (including 304 and 404) for the caller to judge. */
  async get(url: string, options: GetOptions = {}): Promise<HttpResponse> {
    let last = "";
    for (let attempt = 0; attempt <= this.retries; attempt++) {
      try {
        return await this.once(url, options);
      } catch (err) {
        if (!(err instanceof RetryableError)) throw err;
        last = err.message;
        if (attempt === this.retries) break;
        const backoff = Math.random() * this.backoffMs * 2 ** attempt;
        const wait = err.retryAfterMs !== undefined ? Math.min(err.retryAfterMs, this.maxRetryAfterMs) : backoff;
        this.onRetry(`${redactUrl(url)}: ${err.message}; retrying in ${Math.round(wait)} ms (attempt ${attempt + 2} of ${this.retries + 1})`);
        await sleep(wait);
      }
    }
    throw new IndexError(`${redactUrl(url)}: the index stayed unreachable after ${this.retries + 1} attempts (last: ${last})`);
  }

  /** Streams `url` into `onChunk`; for hashing files no index hashes. */
  async stream(url: string, onChunk: (chunk: Buffer) => void, credentials?: Credentials): Promise<void> {
    const target = new URL(url);
    target.username = "";
    target.password = "";
    const headers: Record<string, string> = { "user-agent": "lock2nix" };
    if (credentials) headers["authorization"] = basicAuthHeader(credentials);
    this.requests++;
    const { undici, dispatcher } = await this.connect();
    const res = await undici.request(target, { method: "GET", headers, dispatcher, maxRedirections: 5 });
    if (res.statusCode !== 200) {
      await res.body.dump();
      throw new IndexError(`${redactUrl(url)}: download failed with HTTP ${res.statusCode}`);
    }
    for await (const chunk of res.body) onChunk(chunk as Buffer);
  }
}

function describeNetworkError(err: unknown): string {
  const e = err as { code?: string; message?: string; cause?: { code?: string; message?: string } };
  const code = e.code ?? e.cause?.code;
  if (code === "UND_ERR_HEADERS_TIMEOUT" || code === "UND_ERR_BODY_TIMEOUT") return "timed out";
  if (code === "ECONNRESET" || code === "UND_ERR_SOCKET") return "connection reset";
  if (code === "ECONNREFUSED") return "connection refused";
  return code ? `${code}: ${e.message ?? ""}`.trim() : (e.message ?? String(err));
}
