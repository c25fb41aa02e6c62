import { LogLevel, WebAPIHTTPError, type WebAPIPlatformError, WebClient } from '@slack/web-api';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeSlack } from './slack-api.js';

const fakes: FakeSlack[] = [];
afterEach(async () => {
  await Promise.all(fakes.splice(0).map((f) => f.close()));
});

async function setup() {
  const fake = new FakeSlack({ channels: { C1: { name: 'general' } } });
  fakes.push(fake);
  const client = new WebClient(fake.botToken, {
    slackApiUrl: await fake.start(),
    retryConfig: { retries: 0 },
    logLevel: LogLevel.ERROR,
  });
  return { fake, client };
}

describe('FakeSlack outages', () => {
  it('answers like Slack’s edge during an outage: an HTTP 500 page the SDK raises as WebAPIHTTPError, nothing applied', async () => {
    const { fake, client } = await setup();
    fake.failFor('chat.postMessage', { status: 500 });
    const err = await client.chat.postMessage({ channel: 'C1', text: 'hello' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WebAPIHTTPError);
    expect((err as WebAPIHTTPError).statusCode).toBe(500);
    expect(fake.messages('C1')).toEqual([]);
    expect(fake.callsTo('chat.postMessage')[0]).toMatchObject({ status: 500, ok: false });
  });

  it('can refuse a method with a Slack error code, and heals', async () => {
    const { fake, client } = await setup();
    fake.failFor('chat.postMessage', { error: 'not_in_channel' });
    const err = await client.chat.postMessage({ channel: 'C1', text: 'hello' }).catch((e: unknown) => e);
    expect((err as WebAPIPlatformError).data.error).toBe('not_in_channel');
    fake.heal();
    await client.chat.postMessage({ channel: 'C1', text: 'hello again' });
    expect(fake.messages('C1').map((m) => m.text)).toEqual(['hello again']);
  });

  it('ends an outage after its duration', async () => {
    let now = 1_000_000;
    const fake = new FakeSlack({ channels: { C1: { name: 'general' } }, now: () => now });
    fakes.push(fake);
    const client = new WebClient(fake.botToken, {
      slackApiUrl: await fake.start(),
      retryConfig: { retries: 0 },
      logLevel: LogLevel.ERROR,
    });
    fake.failFor('chat.postMessage', { status: 503 }, 20_000);
    await expect(client.chat.postMessage({ channel: 'C1', text: 'during' })).rejects.toBeInstanceOf(WebAPIHTTPError);
    now += 20_000;
    await client.chat.postMessage({ channel: 'C1', text: 'after' });
    expect(fake.messages('C1').map((m) => m.text)).toEqual(['after']);
  });
});
