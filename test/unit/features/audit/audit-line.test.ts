import { describe, expect, it } from 'vitest';
import { auditLine } from '../../../../src/features/audit/audit-command.js';
import { createTranslators } from '../../../../src/i18n/translators.js';
import type { AuditRecord } from '../../../../src/platform/store/audit-log.js';

const translators = createTranslators();
const AT = Date.UTC(2026, 11, 6, 21, 5);
const denied: AuditRecord = {
  id: '1',
  at: AT,
  teamId: 'T1',
  action: 'tool_call',
  actor: 'U5',
  channel: 'C0SUP1',
  tool: 'lookup_ticket',
  args: { ticket_id: 'HR-7' },
  decision: 'denied',
  rule: 'access: not an agent',
  resultChars: 1234,
};

describe('an audit line in /threadwise audit', () => {
  it('reads as before for an English admin', () => {
    expect(auditLine(translators.english, denied)).toBe(
      '• 2026-12-06 21:05 UTC <@U5> *tool_call* `lookup_ticket` {"ticket_id":"HR-7"} — *denied* (access: not an agent), 1,234 chars in #C0SUP1',
    );
  });

  it('puts the words around the record in the admin’s language, keeping the record’s own identifiers', () => {
    expect(auditLine(translators.forLocale('de-DE'), denied)).toBe(
      '• 2026-12-06 21:05 UTC <@U5> *tool_call* `lookup_ticket` {"ticket_id":"HR-7"} — *denied* (access: not an agent), 1.234 Zeichen in #C0SUP1',
    );
    expect(auditLine(translators.forLocale('ja-JP'), denied)).toBe(
      '• 2026-12-06 21:05 UTC <@U5> *tool_call* `lookup_ticket` {"ticket_id":"HR-7"} — *denied* (access: not an agent), 1,234 文字（#C0SUP1）',
    );
  });

  it('leaves out where when a record has no channel, and escapes what people typed', () => {
    const line = auditLine(translators.forLocale('fr-FR'), {
      id: '2',
      at: AT,
      teamId: 'T1',
      action: 'admin_change',
      actor: 'U2',
      outcome: 'saved',
      detail: { note: '<!channel>' },
    });
    expect(line).toBe('• 2026-12-06 21:05 UTC <@U2> *admin_change* saved {"note":"&lt;!channel&gt;"}');
  });
});
