import type { ServerResponse } from 'node:http';
import type { CustomRoute } from '@slack/bolt';
import type { Registry } from 'prom-client';

export interface Readiness {
  ok: boolean;
  checks: Record<string, boolean>;
  /** Why a failed check failed, or what a passing one warns about, where the check can say (never a secret). */
  details?: Record<string, string>;
}

/** A readiness condition a feature adds (the OpenAI key, say): whether it holds, and why not (or what to watch). */
export interface ReadinessCheck {
  ok(): Promise<boolean>;
  detail?(): string | undefined;
}

export interface OpsDeps {
  ready: () => Promise<Readiness>;
  /** Served as Prometheus text at /metrics. */
  registry: Registry;
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
  res.end(JSON.stringify(body));
}

/**
 * Operator endpoints, served by the Bolt receiver in HTTP and Socket Mode alike. Liveness answers while the
 * process runs; readiness only while its dependencies answer (a load balancer stops sending events to a replica
 * that is not ready, and to one that is shutting down).
 */
export function opsRoutes(deps: OpsDeps): CustomRoute[] {
  return [
    { path: '/healthz', method: ['GET'], handler: (_req, res) => json(res, 200, { ok: true }) },
    {
      path: '/readyz',
      method: ['GET'],
      handler: (_req, res) => {
        deps.ready().then(
          (r) => json(res, r.ok ? 200 : 503, r),
          () => json(res, 503, { ok: false, checks: {} }),
        );
      },
    },
    {
      path: '/metrics',
      method: ['GET'],
      handler: (_req, res) => {
        deps.registry.metrics().then(
          (text) => {
            res.writeHead(200, { 'content-type': deps.registry.contentType });
            res.end(text);
          },
          (err: Error) => {
            res.writeHead(500, { 'content-type': 'text/plain' });
            res.end(`metrics collection failed: ${err.message}\n`);
          },
        );
      },
    },
  ];
}

/** Readiness from named checks; a check that throws or hangs past the timeout counts as failed. */
export async function checkAll(checks: Record<string, () => Promise<boolean>>, timeoutMs = 2_000): Promise<Readiness> {
  const names = Object.keys(checks);
  const results = await Promise.all(
    names.map((name) =>
      Promise.race([
        checks[name]!().catch(() => false),
        new Promise<boolean>((resolve) => setTimeout(() => resolve(false), timeoutMs).unref()),
      ]),
    ),
  );
  const out = Object.fromEntries(names.map((n, i) => [n, results[i]!]));
  return { ok: results.every(Boolean), checks: out };
}
