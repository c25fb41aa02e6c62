import type { CustomRoute } from '@slack/bolt';

export interface HealthDeps {
  ready: () => Promise<{ ok: boolean; checks: Record<string, boolean> }>;
}

function json(res: import('node:http').ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

/** Liveness answers while the process runs; readiness only while its dependencies answer. */
export function healthRoutes(deps: HealthDeps): CustomRoute[] {
  return [
    { path: '/healthz', method: ['GET'], handler: (_req, res) => json(res, 200, { ok: true }) },
    {
      path: '/readyz',
      method: ['GET'],
      handler: (_req, res) => {
        deps.ready().then(
          (r) => json(res, r.ok ? 200 : 503, r),
          () => json(res, 503, { ok: false }),
        );
      },
    },
  ];
}
