import { Command } from 'commander';
import { RedisAuditLog } from '../platform/store/audit-log.js';
import { storeKeys } from '../platform/store/keys.js';
import { loadCliConfig, parseDuration } from './config.js';
import type { CliIO } from './io.js';
import { withRedis } from './redis.js';

/** `threadwise audit export --since 30d`: every audit record of the period as JSON lines on stdout, oldest first. */
async function exportAudit(flags: { since: string; team?: string }, io: CliIO): Promise<number> {
  const since = parseDuration(flags.since);
  const { env, file } = loadCliConfig(io.env, ['redis']);
  return withRedis(env, async (redis) => {
    const log = new RedisAuditLog(
      redis,
      storeKeys(file.state.key_prefix),
      () => file.audit.retention_days * 86_400_000,
    );
    const now = io.now?.() ?? Date.now();
    const records = await log.query({
      since: now - since.seconds * 1000,
      ...(flags.team ? { teamId: flags.team } : {}),
    });
    for (const { id, ...r } of records)
      io.stdout.write(`${JSON.stringify({ id, time: new Date(r.at).toISOString(), ...r })}\n`);
    io.stderr.write(`${records.length} audit record${records.length === 1 ? '' : 's'} from ${since.label}\n`);
    return 0;
  });
}

export function auditCommand(io: CliIO, done: (code: number) => void): Command {
  const cmd = new Command('audit').description('The audit trail: what the bot did on whose behalf');
  cmd
    .command('export')
    .description('every record of the period as JSON lines on stdout (arguments already redacted), for compliance')
    .option('--since <duration>', 'how far back, e.g. 30d', '30d')
    .option('--team <id>', 'only this workspace')
    .action(async (flags: { since: string; team?: string }) => done(await exportAudit(flags, io)));
  return cmd;
}
