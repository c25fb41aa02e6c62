// Fake Socket Mode server speaking the protocol @slack/socket-mode 3 expects (see its
// dist/src/SocketModeClient.js and SlackWebSocket.js):
// - the client calls apps.connections.open (app-level token) and opens the returned wss URL;
// - the server greets with {type:'hello', num_connections, debug_info, connection_info:{app_id}};
// - deliveries are {envelope_id, payload, type:'events_api'|'slash_commands'|'interactive',
//   accepts_response_payload, retry_attempt, retry_reason}; the client acks with
//   {envelope_id, payload?} over the same socket;
// - {type:'disconnect', reason:'refresh_requested'} makes the client close and reconnect;
// - the client pings every clientPingTimeout/3 and expects pongs (ws answers pings itself); the
//   server pings too, and the client drops the link if server pings stop for serverPingTimeout.
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocket, WebSocketServer } from 'ws';

export type EnvelopeType = 'events_api' | 'slash_commands' | 'interactive';

export interface EnvelopeResult {
  acked: boolean;
  ackMs: number;
  envelopeId: string;
  /** The `payload` the client sent with its ack (response_action, slash command reply, ...). */
  response?: unknown;
}

export interface EnvelopeOptions {
  retryAttempt?: number;
  retryReason?: string;
  /** Give up waiting for the ack after this long (Slack retries after ~3 s). */
  timeoutMs?: number;
}

interface Pending {
  resolve: (r: EnvelopeResult) => void;
  sentAt: number;
  timer: NodeJS.Timeout;
}

export class SocketModeServer {
  private readonly wss = new WebSocketServer({ noServer: true });
  private readonly tickets = new Set<string>();
  private readonly pending = new Map<string, Pending>();
  private readonly connectionWatchers = new Set<() => void>();
  private readonly sockets = new Set<WebSocket>();
  private rr = 0;
  private pingTimer: NodeJS.Timeout | undefined;
  /** Every ack received, in order. */
  readonly acks: Array<{ envelope_id: string; payload?: unknown; at: number }> = [];
  /** Count of successful WebSocket handshakes (reconnects included). */
  connectCount = 0;

  constructor(
    private readonly appId: string,
    pingIntervalMs = 5000,
  ) {
    this.pingTimer = setInterval(() => {
      for (const s of this.sockets) if (s.readyState === WebSocket.OPEN) s.ping(Buffer.from(`ping ${Date.now()}`));
    }, pingIntervalMs);
    this.pingTimer.unref();
  }

  /** Issues a single-use ticket for the URL apps.connections.open returns. */
  issueTicket(): string {
    const t = randomUUID();
    this.tickets.add(t);
    return t;
  }

  /** Handles an HTTP upgrade for /link/?ticket=…; answers 401 for unknown or reused tickets. */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const url = new URL(req.url ?? '/', 'http://fake');
    const ticket = url.searchParams.get('ticket') ?? '';
    if (url.pathname !== '/link/' || !this.tickets.delete(ticket)) {
      socket.end('HTTP/1.1 401 Unauthorized\r\nContent-Length: 0\r\nConnection: close\r\n\r\n');
      return;
    }
    this.wss.handleUpgrade(req, socket, head, (ws) => this.onConnection(ws));
  }

  /** Calls `fn` whenever a connection opens or closes; returns an unsubscribe. */
  onConnectionsChange(fn: () => void): () => void {
    this.connectionWatchers.add(fn);
    return () => this.connectionWatchers.delete(fn);
  }

  private connectionsChanged(): void {
    for (const w of [...this.connectionWatchers]) w();
  }

  private onConnection(ws: WebSocket): void {
    this.sockets.add(ws);
    this.connectCount += 1;
    const gone = () => {
      this.sockets.delete(ws);
      this.connectionsChanged();
    };
    ws.on('close', gone);
    ws.on('error', gone);
    ws.on('message', (data, isBinary) => {
      if (isBinary) return;
      let msg: { envelope_id?: string; payload?: unknown };
      try {
        msg = JSON.parse(String(data)) as typeof msg;
      } catch {
        return;
      }
      if (!msg.envelope_id) return;
      this.acks.push({ envelope_id: msg.envelope_id, payload: msg.payload, at: Date.now() });
      const p = this.pending.get(msg.envelope_id);
      if (!p) return;
      this.pending.delete(msg.envelope_id);
      clearTimeout(p.timer);
      p.resolve({ acked: true, ackMs: Date.now() - p.sentAt, envelopeId: msg.envelope_id, response: msg.payload });
    });
    ws.send(
      JSON.stringify({
        type: 'hello',
        num_connections: this.open().length,
        debug_info: { host: 'applink-fake-1', build_number: 118, approximate_connection_time: 18060 },
        connection_info: { app_id: this.appId },
      }),
    );
    this.connectionsChanged();
  }

  private open(): WebSocket[] {
    return [...this.sockets].filter((s) => s.readyState === WebSocket.OPEN);
  }

  connections(): number {
    return this.open().length;
  }

  /** Delivers one envelope to an open connection (round robin) and waits for its ack. */
  send(type: EnvelopeType, payload: unknown, opts: EnvelopeOptions = {}): Promise<EnvelopeResult> {
    const envelopeId = randomUUID();
    const targets = this.open();
    if (!targets.length) return Promise.resolve({ acked: false, ackMs: 0, envelopeId });
    const target = targets[this.rr++ % targets.length]!;
    const p = (typeof payload === 'object' && payload !== null ? payload : {}) as { type?: string };
    const acceptsResponse =
      type === 'slash_commands' ||
      (type === 'interactive' && ['view_submission', 'block_suggestion'].includes(p.type ?? ''));
    const frame: Record<string, unknown> = {
      envelope_id: envelopeId,
      payload,
      type,
      accepts_response_payload: acceptsResponse,
    };
    if (type === 'events_api') {
      frame.retry_attempt = opts.retryAttempt ?? 0;
      frame.retry_reason = opts.retryReason ?? (opts.retryAttempt ? 'timeout' : '');
    }
    return new Promise((resolve) => {
      const sentAt = Date.now();
      const timer = setTimeout(() => {
        this.pending.delete(envelopeId);
        resolve({ acked: false, ackMs: Date.now() - sentAt, envelopeId });
      }, opts.timeoutMs ?? 3000);
      this.pending.set(envelopeId, { resolve, sentAt, timer });
      target.send(JSON.stringify(frame));
    });
  }

  /** Asks every client to reconnect, as Slack does before recycling a connection. */
  requestDisconnect(reason = 'refresh_requested'): void {
    for (const s of this.open())
      s.send(JSON.stringify({ type: 'disconnect', reason, debug_info: { host: 'applink-fake-1' } }));
  }

  /** Drops every connection without a close handshake (network failure). */
  dropAll(): void {
    for (const s of this.sockets) s.terminate();
  }

  /** Closes every connection with a close handshake (falling back to terminate), then stops. */
  async close(): Promise<void> {
    if (this.pingTimer) clearInterval(this.pingTimer);
    for (const p of this.pending.values()) {
      clearTimeout(p.timer);
      p.resolve({ acked: false, ackMs: Date.now() - p.sentAt, envelopeId: '' });
    }
    this.pending.clear();
    await Promise.all(
      [...this.sockets].map(
        (s) =>
          new Promise<void>((resolve) => {
            if (s.readyState === WebSocket.CLOSED) return resolve();
            const timer = setTimeout(() => {
              s.terminate();
              resolve();
            }, 500);
            s.once('close', () => {
              clearTimeout(timer);
              resolve();
            });
            if (s.readyState === WebSocket.OPEN) s.close(1001, 'server shutting down');
          }),
      ),
    );
    this.sockets.clear();
    this.wss.close();
  }
}
