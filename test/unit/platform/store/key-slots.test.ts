import calculateSlot from 'cluster-key-slot';
import { describe, expect, it } from 'vitest';
import { storeKeys } from '../../../../src/platform/store/keys.js';
import type { ThreadKey } from '../../../../src/turn/thread.js';

// In a Redis Cluster a MULTI, a pipeline sent as one transaction or a Lua script may only touch keys of one hash slot
// (else CROSSSLOT). Every key template is listed here with what it belongs to; keys of one owner (a thread, a
// person, a workspace, the feedback log, the BullMQ queue) are used together and must share a slot.
const keys = storeKeys('tw:');
type Owner = { thread: ThreadKey; team: string; user: string };

/** Each template, called for an owner; `alone` keys are never used with another key in one command. */
const TEMPLATES: Record<keyof typeof keys, { group: string; key: (o: Owner) => string[] }> = {
  // Appending a turn (MULTI + the files script), clearing and redacting a thread; the sequencer's line and lock.
  thread: { group: 'thread', key: (o) => [keys.thread(o.thread)] },
  threadFiles: { group: 'thread', key: (o) => [keys.threadFiles(o.thread)] },
  threadFileOrder: { group: 'thread', key: (o) => [keys.threadFileOrder(o.thread)] },
  threadQueue: { group: 'thread', key: (o) => [keys.threadQueue(o.thread)] },
  threadLock: { group: 'thread', key: (o) => [keys.threadLock(o.thread)] },
  // The sequencer's admit script writes the line and when each place was taken together.
  threadPlaced: { group: 'thread', key: (o) => [keys.threadPlaced(o.thread)] },
  // The accept script claims the message, places the job, writes its record and may take the lock, all at once.
  turnRecords: { group: 'thread', key: (o) => [keys.turnRecords(o.thread)] },
  messageClaim: { group: 'thread', key: (o) => [keys.messageClaim(o.thread, `msg:${o.team}:C1:1.2`)] },
  // Leased and swept on its own (one key per command).
  turnLeases: { group: 'alone', key: () => [keys.turnLeases] },
  participation: { group: 'thread', key: (o) => [keys.participation(o.thread)] },
  // A desk thread's state and history change together in one script.
  deskThread: { group: 'thread', key: (o) => [keys.deskThread(o.thread)] },
  deskHistory: { group: 'thread', key: (o) => [keys.deskHistory(o.thread)] },
  // The desk stats page reads every channel and day of a workspace in one pipeline.
  deskDay: {
    group: 'team',
    key: (o) => days.flatMap((d) => [keys.deskDay(o.team, 'C1', d), keys.deskDay(o.team, 'C2', d)]),
  },
  deskFirstReply: { group: 'team', key: (o) => days.map((d) => keys.deskFirstReply(o.team, `C${o.user}`, d)) },
  deskUnanswered: { group: 'team', key: (o) => days.map((d) => keys.deskUnanswered(o.team, `C${o.user}`, d)) },
  // Each read and written on its own (MULTI on the one key).
  deskLatest: { group: 'alone', key: (o) => [keys.deskLatest(o.team, 'C1', o.user)] },
  deskRate: { group: 'alone', key: (o) => [keys.deskRate(o.team, 'C1', '2026-12-03T10')] },
  deskSolved: { group: 'alone', key: (o) => [keys.deskSolved(o.team, 'C1')] },
  approvedAnswers: { group: 'alone', key: () => [keys.approvedAnswers] },
  // A BullMQ queue name under the {bull} prefix, like the turn queue.
  deskSlaQueue: {
    group: 'bull',
    key: () => [`${keys.bull}:${keys.deskSlaQueue}:wait`, `${keys.bull}:${keys.deskSlaQueue}:7`],
  },
  // Each read and written on its own: a source's status field (HSET/HGETALL), a source's lock (SET NX, a script on it).
  knowledgeStatus: { group: 'alone', key: () => [keys.knowledgeStatus] },
  knowledgeSyncLock: { group: 'alone', key: () => [keys.knowledgeSyncLock('policies')] },
  knowledgeSyncQueue: {
    group: 'bull',
    key: () => [`${keys.bull}:${keys.knowledgeSyncQueue}:wait`, `${keys.bull}:${keys.knowledgeSyncQueue}:repeat`],
  },
  // Forget-me deletes both at once.
  appContext: { group: 'user', key: (o) => [keys.appContext(o.team, o.user)] },
  userThreads: { group: 'user', key: (o) => [keys.userThreads(o.team, o.user)] },
  // The quota script reserves against a person's and the workspace's counters at once, any day and month.
  usageUserDay: { group: 'team', key: (o) => days.map((d) => keys.usageUserDay(o.team, `k-${o.user}`, d)) },
  usageUserMonth: { group: 'team', key: (o) => months.map((m) => keys.usageUserMonth(o.team, `k-${o.user}`, m)) },
  usageWorkspaceMonth: { group: 'team', key: (o) => months.map((m) => keys.usageWorkspaceMonth(o.team, m)) },
  usageTopMonth: { group: 'team', key: (o) => months.map((m) => keys.usageTopMonth(o.team, m)) },
  holdsUserDay: { group: 'team', key: (o) => days.map((d) => keys.holdsUserDay(o.team, `k-${o.user}`, d)) },
  holdsWorkspaceMonth: { group: 'team', key: (o) => months.map((m) => keys.holdsWorkspaceMonth(o.team, m)) },
  // A vote is written to both in one MULTI.
  feedbackItems: { group: 'feedback', key: () => [keys.feedbackItems] },
  feedbackByTime: { group: 'feedback', key: () => [keys.feedbackByTime] },
  // BullMQ appends ":<queue>:<suffix>"; its scripts use the queue's wait/active/delayed/… and job keys together.
  bull: {
    group: 'bull',
    key: () =>
      ['wait', 'active', 'delayed', 'meta', 'events', 'stalled-check', 'Ev0ABC'].map((s) => `${keys.bull}:turns:${s}`),
  },
  dedupe: { group: 'alone', key: () => [keys.dedupe('Ev0ABC')] },
  // One stream and one hash, each read and written on its own (XADD, XRANGE; HSET, HGETALL).
  audit: { group: 'alone', key: () => [keys.audit] },
  // A pub/sub channel, not a key: PUBLISH reaches every node of a Cluster.
  turnStops: { group: 'alone', key: () => [keys.turnStops] },
  channelOverrides: { group: 'alone', key: () => [keys.channelOverrides] },
  // One document's vectors are replaced in one MULTI on that key alone.
  knowledgeVectors: { group: 'alone', key: () => [keys.knowledgeVectors('policies', 'd1')] },
  // A source's documents, versions and generation are written in one MULTI; generations and approved read together.
  knowledgeGenerations: { group: 'kdocs', key: () => [keys.knowledgeGenerations] },
  knowledgeApprovedSources: { group: 'kdocs', key: () => [keys.knowledgeApprovedSources] },
  knowledgeDocumentVersions: {
    group: 'kdocs',
    key: () => ['policies', 'approved', 'wiki'].map((s) => keys.knowledgeDocumentVersions(s)),
  },
  knowledgeDocuments: {
    group: 'kdocs',
    key: () => ['policies', 'approved', 'wiki'].map((s) => keys.knowledgeDocuments(s)),
  },
  keyLayout: { group: 'alone', key: () => [keys.keyLayout] },
  approval: { group: 'alone', key: () => [keys.approval('a1')] },
  // A pending MCP sign-in: one key per sign-in, read and taken on its own (GETDEL), like an approval.
  mcpSignIn: { group: 'alone', key: () => [keys.mcpSignIn('s1')] },
  adminAlert: { group: 'alone', key: (o) => [keys.adminAlert(o.team, 'budget')] },
  turnReplies: { group: 'alone', key: () => [keys.turnReplies('Ev0ABC')] },
  installation: { group: 'alone', key: (o) => [keys.installation('team', o.team)] },
  slackLimit: { group: 'alone', key: (o) => [keys.slackLimit(o.team, 'chat.postMessage')] },
  // One counter per workspace and minute (INCR + PEXPIRE in one script on the one key).
  slackSearchBudget: { group: 'alone', key: (o) => [keys.slackSearchBudget(o.team, 29_000_000)] },
  // A gap is written to both in one script; the digest reads both.
  gapItems: { group: 'gaps', key: () => [keys.gapItems] },
  gapsByTime: { group: 'gaps', key: () => [keys.gapsByTime] },
  gapsDigestQueue: {
    group: 'bull',
    key: () => [`${keys.bull}:${keys.gapsDigestQueue}:wait`, `${keys.bull}:${keys.gapsDigestQueue}:7`],
  },
};

const days = ['2026-12-01', '2026-12-02', '2027-01-31'];
const months = ['2026-12', '2027-01'];
const owners: Owner[] = Array.from({ length: 40 }, (_, i) => ({
  thread: { teamId: `T0${i % 5}`, channel: `C0${i}`, threadTs: `17000000${i}.00010${i % 10}` },
  team: `T0${i % 7}`,
  user: `U0${i}`,
}));

const slotsOf = (group: string, o: Owner) =>
  new Set(
    Object.values(TEMPLATES)
      .filter((t) => t.group === group)
      .flatMap((t) => t.key(o).map((k) => calculateSlot(k))),
  );

describe('Redis key names in a Cluster', () => {
  it('lists every key template, so a new key cannot skip this check', () => {
    expect(Object.keys(TEMPLATES).sort()).toEqual(Object.keys(keys).sort());
  });

  for (const group of ['thread', 'user', 'team', 'feedback', 'gaps', 'kdocs', 'bull']) {
    it(`puts the keys one ${group} uses together in one hash slot`, () => {
      for (const o of owners) expect([...slotsOf(group, o)], JSON.stringify(o)).toHaveLength(1);
    });
  }

  it('spreads different threads and people over many slots (one tag per owner, not one for all)', () => {
    const threadSlots = new Set(owners.map((o) => [...slotsOf('thread', o)][0]));
    const userSlots = new Set(owners.map((o) => [...slotsOf('user', o)][0]));
    expect(threadSlots.size).toBeGreaterThan(30);
    expect(userSlots.size).toBeGreaterThan(30);
  });

  it('takes the tag the key names give, whatever the configured prefix', () => {
    const other = storeKeys('prod:eu-1:');
    const t = owners[3]!.thread;
    expect(calculateSlot(other.thread(t))).toBe(calculateSlot(keys.threadLock(t)));
    expect(calculateSlot(`${other.bull}:turns:wait`)).toBe(calculateSlot(`${keys.bull}:turns:1`));
  });
});
