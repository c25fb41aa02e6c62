import type { CountryCode } from 'libphonenumber-js';
import type { Logger } from 'pino';
import type { SettingsSource } from '../../config/live-settings.js';
import type { AuditEntry, AuditLog } from '../../platform/store/audit-log.js';
import type { ToolCallReport } from '../../platform/tools/runner.js';
import type { ToolContext } from '../../platform/tools/types.js';
import { redactText } from '../privacy/pii/redact.js';

/** Every string inside, with PII replaced by placeholders (the same rules as privacy.redact_before_openai). */
export function redactDeep(value: unknown, region: CountryCode): unknown {
  if (typeof value === 'string') return redactText(value, { phoneRegion: region });
  if (Array.isArray(value)) return value.map((v) => redactDeep(v, region));
  if (value && typeof value === 'object')
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redactDeep(v, region)]));
  return value;
}

/**
 * Writes the audit trail. A record that cannot be written is logged, never thrown: an outage of the trail must not
 * fail the answer it describes (the log line still carries what happened).
 */
export class AuditTrail {
  constructor(
    private readonly log: AuditLog,
    private readonly settings: SettingsSource,
    private readonly logger: Logger,
  ) {}

  async record(entry: Omit<AuditEntry, 'at'>): Promise<void> {
    await this.log
      .record(entry)
      .catch((err: Error) =>
        this.logger.error({ err: { message: err.message }, action: entry.action }, 'audit record not written'),
      );
  }

  /** One tool run for the person in `ctx`: the arguments redacted, allowed or denied, and by which rule. */
  toolCall(ctx: ToolContext, report: ToolCallReport): Promise<void> {
    const region = this.settings.current().privacy.phone_region as CountryCode;
    return this.record({
      teamId: ctx.teamId,
      action: 'tool_call',
      actor: ctx.user.id,
      channel: ctx.channel,
      threadTs: ctx.threadTs,
      tool: report.tool,
      args: redactDeep(report.args, region),
      decision: report.denied ? 'denied' : 'allowed',
      ...(report.rule || report.denied ? { rule: report.rule ?? report.outcome } : {}),
      outcome: report.outcome,
      ...(report.outputChars !== undefined ? { resultChars: report.outputChars } : {}),
      detail: { initiated_by: report.callId ? 'model' : 'person' },
    });
  }
}
