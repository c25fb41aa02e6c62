import { describe, expect, it } from 'vitest';
import { createDownloader, DownloadError } from '../../../../../src/platform/slack/files/download.js';
import { mayReceiveToken } from '../../../../../src/platform/slack/files/hosts.js';

const TOKEN = 'xoxb-secret-token';

/** A scripted fetch: answers by URL and records which URLs got which Authorization header. */
function scriptedFetch(routes: Record<string, () => Response>) {
  const seen: Array<{ url: string; auth: string | null; redirect: string | undefined }> = [];
  const fn = (async (input: URL | string | Request, init?: RequestInit) => {
    const url = String(input);
    seen.push({ url, auth: new Headers(init?.headers).get('authorization'), redirect: init?.redirect });
    const route = routes[url];
    if (!route) throw new TypeError('fetch failed', { cause: { code: 'ECONNREFUSED' } });
    return route();
  }) as typeof fetch;
  return { fn, seen };
}
const redirect =
  (to: string, status = 302) =>
  () =>
    new Response(null, { status, headers: { location: to } });
const ok =
  (body: string | Uint8Array, headers: Record<string, string> = {}) =>
  () =>
    new Response(body, { status: 200, headers });

describe('which hosts may receive the bot token', () => {
  it('allows Slack domains over HTTPS and the exact SLACK_API_URL origin, nothing else', () => {
    const allowed = (u: string, api?: string) => mayReceiveToken(new URL(u), api);
    expect(allowed('https://files.slack.com/files-pri/T1-F1/a.png')).toBe(true);
    expect(allowed('https://files-origin.slack.com/x')).toBe(true);
    expect(allowed('https://slack.com/x')).toBe(true);
    expect(allowed('https://a.slack-edge.com/x')).toBe(true);
    expect(allowed('http://files.slack.com/x')).toBe(false);
    expect(allowed('https://slack.com.evil.example/x')).toBe(false);
    expect(allowed('https://evilslack.com/x')).toBe(false);
    expect(allowed('https://files.slack.com@evil.example/x')).toBe(false);
    expect(allowed('https://s3.amazonaws.com/slack-files/x')).toBe(false);
    expect(allowed('http://127.0.0.1:4000/files-pri/x', 'http://127.0.0.1:4000/api/')).toBe(true);
    expect(allowed('http://127.0.0.1:4001/files-pri/x', 'http://127.0.0.1:4000/api/')).toBe(false);
    expect(allowed('http://localhost:4000/x', 'http://127.0.0.1:4000/api/')).toBe(false);
  });
});

describe('downloading a Slack private file', () => {
  it('follows redirects itself, re-sending the token between Slack hosts but never to another host', async () => {
    const { fn, seen } = scriptedFetch({
      'https://files.slack.com/files-pri/T1-F1/download/a.png': redirect(
        'https://files-origin.slack.com/files-pri/T1-F1/a.png',
      ),
      'https://files-origin.slack.com/files-pri/T1-F1/a.png': redirect(
        'https://cdn.example.net/signed/a.png?sig=1',
        307,
      ),
      'https://cdn.example.net/signed/a.png?sig=1': ok('PNGDATA'),
    });
    const download = createDownloader({ token: TOKEN, timeoutMs: 5_000, fetch: fn });
    const got = await download('https://files.slack.com/files-pri/T1-F1/download/a.png', 1_000);
    expect(got.bytes.toString()).toBe('PNGDATA');
    expect(seen.map((s) => s.auth)).toEqual([`Bearer ${TOKEN}`, `Bearer ${TOKEN}`, null]);
    expect(seen.every((s) => s.redirect === 'manual')).toBe(true);
    expect(got.hosts).toEqual(['files.slack.com', 'files-origin.slack.com', 'cdn.example.net']);
  });

  it('never sends the token to a non-Slack first URL either', async () => {
    const { fn, seen } = scriptedFetch({ 'https://evil.example/a.png': ok('x') });
    await createDownloader({ token: TOKEN, timeoutMs: 5_000, fetch: fn })('https://evil.example/a.png', 10);
    expect(seen[0]!.auth).toBeNull();
  });

  it('refuses a file whose announced length is over the cap, before reading it', async () => {
    const { fn } = scriptedFetch({ 'https://files.slack.com/big': ok('x'.repeat(10), { 'content-length': '5000' }) });
    const err = await createDownloader({ token: TOKEN, timeoutMs: 5_000, fetch: fn })(
      'https://files.slack.com/big',
      100,
    ).catch((e) => e);
    expect(err).toBeInstanceOf(DownloadError);
    expect(err.failure).toBe('too_large');
  });

  it('stops reading a body that grows past the cap without announcing its length', async () => {
    let pulled = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        pulled++;
        controller.enqueue(new Uint8Array(64 * 1024));
        if (pulled > 1_000) controller.close();
      },
    });
    const { fn } = scriptedFetch({ 'https://files.slack.com/stream': () => new Response(body, { status: 200 }) });
    const err = await createDownloader({ token: TOKEN, timeoutMs: 5_000, fetch: fn })(
      'https://files.slack.com/stream',
      200_000,
    ).catch((e) => e);
    expect(err.failure).toBe('too_large');
    expect(pulled).toBeLessThan(10);
  });

  it('gives up after too many redirects and reports HTTP errors and network failures', async () => {
    const loop = scriptedFetch({ 'https://files.slack.com/a': redirect('https://files.slack.com/a') });
    expect(
      (
        await createDownloader({ token: TOKEN, timeoutMs: 5_000, fetch: loop.fn, maxRedirects: 3 })(
          'https://files.slack.com/a',
          10,
        ).catch((e) => e)
      ).failure,
    ).toBe('too_many_redirects');
    expect(loop.seen).toHaveLength(4);
    const gone = scriptedFetch({ 'https://files.slack.com/a': () => new Response('nope', { status: 404 }) });
    const e404 = await createDownloader({ token: TOKEN, timeoutMs: 5_000, fetch: gone.fn })(
      'https://files.slack.com/a',
      10,
    ).catch((e) => e);
    expect([e404.failure, e404.status]).toEqual(['http_status', 404]);
    const down = await createDownloader({ token: TOKEN, timeoutMs: 5_000, fetch: scriptedFetch({}).fn })(
      'https://files.slack.com/a',
      10,
    ).catch((e) => e);
    expect(down.failure).toBe('network');
    expect(String(down.message)).not.toContain(TOKEN);
  });

  it('refuses redirects to non-HTTP schemes', async () => {
    const { fn } = scriptedFetch({ 'https://files.slack.com/a': redirect('file:///etc/passwd') });
    const err = await createDownloader({ token: TOKEN, timeoutMs: 5_000, fetch: fn })(
      'https://files.slack.com/a',
      10,
    ).catch((e) => e);
    expect(err.failure).toBe('bad_url');
  });
});
