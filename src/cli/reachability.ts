import { type AuthTestResponse, ErrorCode, WebClient } from '@slack/web-api';
import OpenAI from 'openai';
import { modelTraits } from '../config/models.js';
import { daysUntil } from '../features/lifecycle/shutdown-guard.js';
import { askWithKey, type KeyAnswer } from '../platform/openai/key-check.js';
import type { CliEnv } from './config.js';

/**
 * A command-line job checks each service it needs once, without retries and with a short timeout, before doing
 * any work: the SDKs' own retries (Slack's last about 30 minutes) would otherwise make an unreachable service look
 * like a hang. The jobs' own clients keep their retries for blips during a long run.
 */
export const PROBE_TIMEOUT_MS = 10_000;

const SLACK_DEFAULT_URL = 'https://slack.com/api/';
const OPENAI_DEFAULT_URL = 'https://api.openai.com/v1';

/** A service the command needs did not answer, or refused its credentials: exit 1 with this one line. */
export class ServiceError extends Error {
  override name = 'ServiceError';
}

const where = (url: string | undefined, fallback: string, setting: string) =>
  url ? `${url} (${setting})` : `${fallback} (the default; set ${setting} to change it)`;

/** Why a request got no HTTP answer: a timeout, or the network error's code (ECONNREFUSED, ENOTFOUND…). */
function noAnswer(err: unknown, timeoutMs: number): string {
  const e = err as { name?: string; code?: string; cause?: unknown; message?: string };
  if (e?.name === 'TimeoutError' || err instanceof OpenAI.APIConnectionTimeoutError)
    return `no answer within ${timeoutMs} ms`;
  const cause = e?.cause as { code?: string; message?: string; cause?: unknown } | undefined;
  if (cause) return noAnswer(cause, timeoutMs);
  return e?.code ?? e?.message ?? String(err);
}

/** `auth.test` with the bot token: who the bot is, or a ServiceError naming the URL or the token. */
export async function probeSlack(env: CliEnv, timeoutMs = PROBE_TIMEOUT_MS): Promise<AuthTestResponse> {
  const client = new WebClient(env.SLACK_BOT_TOKEN, {
    slackApiUrl: env.SLACK_API_URL,
    retryConfig: { retries: 0 },
    timeout: timeoutMs,
  });
  const url = where(env.SLACK_API_URL, SLACK_DEFAULT_URL, 'SLACK_API_URL');
  try {
    return await client.auth.test();
  } catch (err) {
    const e = err as { code?: string; original?: unknown; statusCode?: number; data?: { error?: string } };
    if (e.code === ErrorCode.RequestError)
      throw new ServiceError(`Slack cannot be reached at ${url}: ${noAnswer(e.original, timeoutMs)}`);
    if (e.code === ErrorCode.HTTPError)
      throw new ServiceError(`Slack at ${url} answered HTTP ${e.statusCode}: is that Slack's Web API?`);
    if (e.code === ErrorCode.PlatformError)
      throw new ServiceError(`Slack rejected SLACK_BOT_TOKEN (${e.data?.error ?? 'error'})`);
    throw err;
  }
}

/**
 * One cheap authenticated request (the model's `GET /models/{id}`) with the job's own client (its auth header), not
 * retried. Only a missing answer or a refused key stops the job: other answers (an endpoint without that route,
 * say) still show that the service is there.
 */
export async function probeOpenAI(
  client: OpenAI,
  env: CliEnv,
  model: string,
  timeoutMs = PROBE_TIMEOUT_MS,
): Promise<KeyAnswer> {
  const url = where(env.OPENAI_BASE_URL, OPENAI_DEFAULT_URL, 'OPENAI_BASE_URL');
  const answer = await askWithKey(client, model, timeoutMs);
  if (answer.kind === 'unreachable')
    throw new ServiceError(`OpenAI cannot be reached at ${url}: ${noAnswer(answer.error, timeoutMs)}`);
  if (answer.kind === 'refused') throw new ServiceError(`OpenAI refused OPENAI_API_KEY (HTTP 401 from ${url})`);
  if (answer.kind === 'unexpected') throw answer.error;
  return answer;
}

/**
 * A line for a command's output when the model it is about to use is gone or shuts down (from the Models API's
 * answer to the probe; the catalogue's announced date where the server has no Models API). Undefined otherwise.
 */
export function lifecycleNote(model: string, answer: KeyAnswer, now: number): string | undefined {
  if (answer.kind === 'accepted' && answer.modelMissing)
    return `Note: OpenAI does not know ${model} (model_not_found): it is shut down, retired or misspelled.`;
  const date = answer.kind === 'accepted' && answer.model ? answer.model.shutdownDate : modelTraits(model).shutdown;
  if (!date) return undefined;
  const days = daysUntil(date, now);
  if (days <= 0) return `Note: ${model} was shut down on ${date}.`;
  return `Note: ${model} shuts down on ${date} (in ${days} day${days === 1 ? '' : 's'}); see docs/model-review.md.`;
}
