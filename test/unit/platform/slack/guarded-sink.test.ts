import { describe, expect, it } from 'vitest';
import { guardedSink } from '../../../../src/platform/slack/guarded-sink.js';
import type { ReplySink } from '../../../../src/turn/ports.js';
import { liveInMarkdown } from '../../../fakes/slack-markup.js';

/** A sink that records what would reach Slack. */
function recording() {
  const log = { text: '', statuses: [] as string[], notes: [] as string[], notice: undefined as string | undefined };
  const sink: ReplySink = {
    append: (d) => {
      log.text += d;
    },
    status: (t, _kind, loading) => log.statuses.push(t, loading),
    restart: async (note) => {
      log.notes.push(note);
      log.text = '';
    },
    finish: async (end) => {
      log.notice = end.notice;
      return { messageTs: ['1.1'] };
    },
  };
  return { sink, log };
}

describe('guardedSink', () => {
  it('what reaches Slack has no live sequence, even split across deltas, and nothing of the answer is lost', async () => {
    const { sink, log } = recording();
    const guarded = guardedSink(sink);
    for (const d of ['Alert <', '!chan', 'nel> and <@U', '2> see [x', '](javascript:alert(1)) end <'])
      guarded.append(d);
    await guarded.finish({ outcome: 'answered', notice: '📎 _Skipped `<!here>.txt`_' });
    expect(liveInMarkdown(log.text)).toEqual([]);
    expect(log.text.replace(/\u200B/g, '').replace(/\u2039/g, '<')).toBe(
      'Alert <!channel> and <@U2> see [x](javascript:alert(1)) end <',
    );
    expect(liveInMarkdown(log.notice!)).toEqual([]);
  });

  it('a restart drops the held tail of the discarded answer; status lines are neutralised too', async () => {
    const { sink, log } = recording();
    const guarded = guardedSink(sink);
    guarded.append('half <!ev');
    await guarded.restart('_restarted_');
    guarded.append('fresh');
    guarded.status('is searching tickets for “<!channel>”…', 'tools', 'Searching tickets for “<!channel>”…');
    await guarded.finish({ outcome: 'answered' });
    expect(log.text).toBe('fresh');
    expect(log.statuses).toEqual([
      'is searching tickets for “\u2039!channel>”…',
      'Searching tickets for “\u2039!channel>”…',
    ]);
  });
});
