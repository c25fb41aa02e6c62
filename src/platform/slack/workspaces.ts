import type { Installation, InstallationQuery, InstallationStore } from '@slack/bolt';
import type { WebClient, WebClientOptions } from '@slack/web-api';
import type { Logger } from 'pino';
import { ExpiringMap } from '../../lib/expiring-cache.js';
import type { FileReader } from './files/reader.js';
import { SlackLookups } from './lookups.js';
import type { SlackRateGate, SlackRateGates } from './rate-gate.js';

/** What a turn needs to talk to one workspace: its bot's client, file reader, cached lookups, identity and rate gate. */
export interface Workspace {
  client: WebClient;
  readFiles: FileReader;
  lookups: SlackLookups;
  botUserId: string;
  gate: SlackRateGate;
}

/** Builds the clients for one bot token (the composition root decides how they are metered and configured). */
export type ConnectBot = (token: string) => { client: WebClient; readFiles: FileReader };

export interface SlackWorkspaces {
  forTeam(teamId: string): Promise<Workspace>;
}

/**
 * Rate limits are surfaced to the writer (not retried inside the client) so it can coalesce and fall back;
 * other failures get a few quick retries.
 */
export function writerClientOptions(base: WebClientOptions): WebClientOptions {
  return {
    ...base,
    rejectRateLimitedCalls: true,
    retryConfig: { retries: 2, factor: 2, minTimeout: 100, maxTimeout: 1_000 },
  };
}

/** Single-token mode: one bot in one workspace (the default). */
export class SingleWorkspace implements SlackWorkspaces {
  private readonly workspace: Omit<Workspace, 'gate'>;
  constructor(
    token: string,
    botUserId: string,
    connect: ConnectBot,
    private readonly gates: SlackRateGates,
    log: Logger,
  ) {
    const { client, readFiles } = connect(token);
    this.workspace = { client, readFiles, lookups: new SlackLookups(client, log), botUserId };
  }

  async forTeam(teamId: string): Promise<Workspace> {
    return { ...this.workspace, gate: this.gates.for(teamId) };
  }
}

/** OAuth mode: each workspace's bot token comes from its installation (cached briefly; tokens rarely change). */
export class InstalledWorkspaces implements SlackWorkspaces {
  private readonly cache = new ExpiringMap<Promise<Omit<Workspace, 'gate'>>>();
  constructor(
    private readonly store: InstallationStore,
    private readonly connect: ConnectBot,
    private readonly gates: SlackRateGates,
    private readonly log: Logger,
  ) {}

  async forTeam(teamId: string): Promise<Workspace> {
    let hit = this.cache.get(teamId);
    if (!hit) {
      hit = this.load(teamId);
      hit.catch(() => this.cache.delete(teamId));
      this.cache.set(teamId, hit, 300);
    }
    return { ...(await hit), gate: this.gates.for(teamId) };
  }

  forget(teamId: string): void {
    this.cache.delete(teamId);
  }

  private async load(teamId: string): Promise<Omit<Workspace, 'gate'>> {
    const query: InstallationQuery<false> = { teamId, enterpriseId: undefined, isEnterpriseInstall: false };
    const installation: Installation = await this.store.fetchInstallation(query);
    const token = installation.bot?.token;
    const botUserId = installation.bot?.userId;
    if (!token || !botUserId) throw new Error(`the installation for workspace ${teamId} has no bot token`);
    const { client, readFiles } = this.connect(token);
    return { client, readFiles, lookups: new SlackLookups(client, this.log), botUserId };
  }
}
