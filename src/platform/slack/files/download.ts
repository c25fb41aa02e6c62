import { mayReceiveToken } from './hosts.js';

export type DownloadFailure = 'too_large' | 'http_status' | 'too_many_redirects' | 'bad_url' | 'timeout' | 'network';

export class DownloadError extends Error {
  constructor(
    readonly failure: DownloadFailure,
    message: string,
    readonly status?: number,
  ) {
    super(message);
    this.name = 'DownloadError';
  }
}

export interface DownloadOptions {
  token: string;
  slackApiUrl?: string;
  timeoutMs: number;
  maxRedirects?: number;
  fetch?: typeof fetch;
}

interface Downloaded {
  bytes: Buffer;
  contentType?: string;
  /** Hosts visited, for logs (never the token). */
  hosts: string[];
}

export type Downloader = (url: string, maxBytes: number) => Promise<Downloaded>;

const REDIRECTS = new Set([301, 302, 303, 307, 308]);

/**
 * Downloads a Slack private file. Redirects are followed here, not by fetch, because fetch would either drop the
 * token on Slack's own cross-host redirects or (worse) keep it; the token goes only where `mayReceiveToken` allows.
 * The size is capped twice: by Content-Length before reading and by counting bytes while reading.
 */
export function createDownloader(options: DownloadOptions): Downloader {
  const doFetch = options.fetch ?? fetch;
  const maxRedirects = options.maxRedirects ?? 5;
  return async (url, maxBytes) => {
    const signal = AbortSignal.timeout(options.timeoutMs);
    const hosts: string[] = [];
    let current = parseUrl(url);
    for (let hop = 0; ; hop++) {
      hosts.push(current.host);
      const headers: Record<string, string> = mayReceiveToken(current, options.slackApiUrl)
        ? { authorization: `Bearer ${options.token}` }
        : {};
      const res = await doFetch(current, { redirect: 'manual', headers, signal }).catch((err: unknown) => {
        throw networkError(err);
      });
      if (REDIRECTS.has(res.status)) {
        await res.body?.cancel().catch(() => undefined);
        const location = res.headers.get('location');
        if (!location)
          throw new DownloadError('http_status', `redirect without a location (HTTP ${res.status})`, res.status);
        if (hop >= maxRedirects) throw new DownloadError('too_many_redirects', `more than ${maxRedirects} redirects`);
        current = parseUrl(location, current);
        continue;
      }
      if (!res.ok) {
        await res.body?.cancel().catch(() => undefined);
        throw new DownloadError('http_status', `HTTP ${res.status}`, res.status);
      }
      const declared = Number(res.headers.get('content-length') ?? NaN);
      if (declared > maxBytes) {
        await res.body?.cancel().catch(() => undefined);
        throw new DownloadError('too_large', `${declared} bytes announced, limit ${maxBytes}`);
      }
      const bytes = await readCapped(res, maxBytes);
      return { bytes, contentType: res.headers.get('content-type') ?? undefined, hosts };
    }
  };
}

function parseUrl(raw: string, base?: URL): URL {
  let url: URL;
  try {
    url = new URL(raw, base);
  } catch {
    throw new DownloadError('bad_url', 'not a valid URL');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:')
    throw new DownloadError('bad_url', `unsupported protocol ${url.protocol}`);
  return url;
}

async function readCapped(res: Response, maxBytes: number): Promise<Buffer> {
  if (!res.body) return Buffer.alloc(0);
  const chunks: Uint8Array[] = [];
  let total = 0;
  const reader = res.body.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      total += value.byteLength;
      if (total > maxBytes) {
        await reader.cancel().catch(() => undefined);
        throw new DownloadError('too_large', `more than ${maxBytes} bytes received`);
      }
      chunks.push(value);
    }
  } catch (err) {
    throw err instanceof DownloadError ? err : networkError(err);
  }
  return Buffer.concat(chunks, total);
}

function networkError(err: unknown): DownloadError {
  if (err instanceof DownloadError) return err;
  const name = (err as { name?: string })?.name;
  if (name === 'TimeoutError' || name === 'AbortError') return new DownloadError('timeout', 'download timed out');
  const cause = (err as { cause?: { code?: string } })?.cause?.code;
  return new DownloadError('network', cause ? `network error (${cause})` : 'network error');
}
