import { type WebAPICallResult, WebClient, WebClientEvent, type WebClientOptions } from '@slack/web-api';
import type { Metrics } from '../observability/metrics.js';

/** The Web API method of a request URL such as https://slack.com/api/chat.postMessage. */
function methodOfUrl(url: string): string {
  return url.split('?')[0]!.split('/').filter(Boolean).at(-1) ?? 'unknown';
}

/**
 * A WebClient that counts every call by method and outcome, and every HTTP 429 Slack answers — also those the
 * client retries on its own, which never surface as errors. All shortcut methods (chat.postMessage …) go
 * through apiCall, so overriding it covers them.
 */
export class MeteredWebClient extends WebClient {
  constructor(
    token: string | undefined,
    options: WebClientOptions,
    private readonly metrics: Metrics,
  ) {
    super(token, options);
    this.on(WebClientEvent.RATE_LIMITED, (_retrySec: number, info: { url?: string }) => {
      metrics.slackRateLimited.inc({ method: methodOfUrl(info?.url ?? '') });
    });
  }

  override async apiCall(method: string, options?: Record<string, unknown>): Promise<WebAPICallResult> {
    try {
      const result = await super.apiCall(method, options);
      this.metrics.slackCalls.inc({ method, outcome: 'ok' });
      return result;
    } catch (err) {
      this.metrics.slackCalls.inc({ method, outcome: 'error' });
      throw err;
    }
  }
}
