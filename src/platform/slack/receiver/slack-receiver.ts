import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import {
  type App,
  type Logger as BoltLogger,
  buildReceiverRoutes,
  type CustomRoute,
  HTTPModuleFunctions,
  type Receiver,
  type ReceiverRoutes,
} from '@slack/bolt';
import { InstallProvider, type InstallProviderOptions, type InstallURLOptions } from '@slack/oauth';
import { SocketModeClient } from '@slack/socket-mode';
import type { Logger } from 'pino';
import { createDelivery, type Delivery, type DeliveryOptions, type Reply } from './delivery.js';
import { isRecord } from './envelope.js';

interface OAuthOptions {
  provider: InstallProviderOptions;
  installUrl: InstallURLOptions;
  installPath: string;
  redirectUriPath: string;
}

export interface SlackReceiverOptions extends Omit<DeliveryOptions, 'app' | 'tellUser'> {
  /** HTTP mode: requests to /slack/events, signed with this secret. */
  signingSecret?: string;
  /** Socket Mode: deliveries over a WebSocket opened with this app-level token. */
  socket?: { appToken: string; slackApiUrl?: string };
  routes: CustomRoute[];
  oauth?: OAuthOptions;
  slackLogger: BoltLogger;
  log: Logger;
}

const EVENTS_PATH = '/slack/events';

/** The type an events_api frame without a readable event is handed on under (see GuardedSocketModeClient). */
const UNREADABLE_EVENTS_FRAME = 'events_api_unreadable';

/**
 * A Socket Mode client that survives a frame @slack/socket-mode cannot dispatch: it reads `payload.event.type` of
 * every events_api frame before anything of ours runs, in an async listener, so a frame without a payload or event
 * would reject unhandled and end the process. Its protected message handler (the class's extension point) is
 * overridden to hand such a frame on under another type, which the client passes through with its ack like any
 * other envelope; the delivery path then acknowledges it and logs its shape.
 */
class GuardedSocketModeClient extends SocketModeClient {
  constructor(
    options: ConstructorParameters<typeof SocketModeClient>[0],
    private readonly log: Logger,
  ) {
    super(options);
  }

  protected override async onWebSocketMessage(data: string | ArrayBuffer, isBinary: boolean): Promise<void> {
    try {
      await super.onWebSocketMessage(isBinary ? data : readable(data), isBinary);
    } catch (err) {
      this.log.warn({ err: { message: (err as Error).message } }, 'unusable Socket Mode frame from Slack: ignored');
    }
  }
}

/** The frame as given, or re-typed when it is an events_api frame without an event object. */
function readable(data: string | ArrayBuffer): string | ArrayBuffer {
  let frame: unknown;
  try {
    frame = JSON.parse(typeof data === 'string' ? data : new TextDecoder().decode(data));
  } catch {
    return data;
  }
  if (!isRecord(frame) || frame.type !== 'events_api') return data;
  if (isRecord(frame.payload) && isRecord(frame.payload.event)) return data;
  return JSON.stringify({ ...frame, type: UNREADABLE_EVENTS_FRAME });
}

/**
 * Threadwise's own Bolt receiver (Bolt's supported extension point): one HTTP server on PORT for the operator
 * routes, the OAuth install pages and, in HTTP mode, Slack's requests; in Socket Mode a WebSocket client instead
 * of the events endpoint. Both transports hand every request to the same delivery path.
 */
export class SlackReceiver implements Receiver {
  /** Bolt's App takes OAuth authorization from a receiver's `installer`. */
  readonly installer?: InstallProvider;
  private app?: App;
  private server?: Server;
  private readonly socket?: SocketModeClient;
  private readonly routes: ReceiverRoutes;
  private readonly deliver: (d: Delivery, reply: Reply) => Promise<void>;

  constructor(private readonly o: SlackReceiverOptions) {
    if (!o.signingSecret && !o.socket) throw new Error('a Slack receiver needs a signing secret or an app token');
    this.routes = buildReceiverRoutes(o.routes);
    if (o.oauth) this.installer = new InstallProvider(o.oauth.provider);
    this.deliver = createDelivery({
      ...o,
      app: () => this.app,
      tellUser: async (url, text) => {
        const res = await fetch(url, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json' },
          body: JSON.stringify({ response_type: 'ephemeral', replace_original: false, text }),
          signal: AbortSignal.timeout(5_000),
        });
        if (!res.ok) throw new Error(`response_url answered ${res.status}`);
      },
    });
    if (o.socket) {
      this.socket = new GuardedSocketModeClient(
        {
          appToken: o.socket.appToken,
          logger: o.slackLogger,
          clientOptions: o.socket.slackApiUrl ? { slackApiUrl: o.socket.slackApiUrl } : {},
        },
        o.log,
      );
      this.socket.on('slack_event', (args: SocketDelivery) => void this.onSocketDelivery(args));
    }
  }

  init(app: App): void {
    this.app = app;
  }

  /** Listens on `port` (0: any free port) and, in Socket Mode, connects; resolves with the HTTP server. */
  async start(port: number): Promise<Server> {
    const server = createServer((req, res) => {
      this.onRequest(req, res).catch((err: Error) => {
        this.o.log.error({ err }, 'HTTP request failed');
        if (!res.headersSent) res.writeHead(500);
        res.end();
      });
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, () => resolve());
    });
    this.server = server;
    if (this.socket) await this.socket.start();
    return server;
  }

  async stop(): Promise<void> {
    if (this.socket) await this.socket.disconnect();
    const server = this.server;
    this.server = undefined;
    if (server) {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      });
    }
  }

  /** A page a feature serves on the same HTTP server (an OAuth callback), added once the feature is wired. */
  addRoute(route: CustomRoute): void {
    Object.assign(this.routes, buildReceiverRoutes([route]));
  }

  private async onRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    const method = (req.method ?? 'GET').toUpperCase();
    if (this.o.signingSecret && path === EVENTS_PATH && method === 'POST') return this.onHttpDelivery(req, res);
    const oauth = this.o.oauth;
    if (this.installer && oauth && method === 'GET') {
      if (path === oauth.installPath) return this.installer.handleInstallPath(req, res, {}, oauth.installUrl);
      if (path === oauth.redirectUriPath) return this.installer.handleCallback(req, res);
    }
    const route = this.routes[path]?.[method];
    if (route) return route(Object.assign(req, { params: {} }), res);
    res.writeHead(404).end();
  }

  private async onHttpDelivery(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const http = HTTPModuleFunctions;
    let request: Awaited<ReturnType<typeof http.parseAndVerifyHTTPRequest>>;
    try {
      request = await http.parseAndVerifyHTTPRequest(
        { enabled: true, signingSecret: this.o.signingSecret!, bodyLimit: http.defaultBodyLimit },
        req,
      );
    } catch (err) {
      if (http.isRawBodyError(err) && err.statusCode === 413) return void res.writeHead(413).end();
      this.o.log.warn({ err: { message: (err as Error).message } }, 'refused a request that is not signed by Slack');
      return void res.writeHead(401).end();
    }
    let body: unknown;
    try {
      body = http.parseHTTPRequestBody(request);
    } catch {
      // The parser's message quotes the body; the log says only what kind of body it was.
      this.o.log.warn(
        { content_type: req.headers['content-type'] ?? null, bytes: request.rawBody.length },
        'refused a signed request that does not parse',
      );
      return void noRetry(res, 400);
    }
    if (isRecord(body) && body.ssl_check === '1') return void res.writeHead(200).end();
    if (isRecord(body) && body.type === 'url_verification') {
      if (typeof body.challenge !== 'string') return void noRetry(res, 400);
      return void http.buildUrlVerificationResponse(res, body);
    }
    const answered = () => res.headersSent || res.writableEnded;
    await this.deliver(
      {
        body,
        retryNum: http.extractRetryNumFromHTTPRequest(req),
        retryReason: http.extractRetryReasonFromHTTPRequest(req),
      },
      {
        ack: async (response) => {
          if (!answered()) http.buildContentResponse(res, response);
        },
        retry: async () => {
          if (!answered()) res.writeHead(503, { 'Retry-After': '5' }).end();
        },
        reject: async () => {
          if (!answered()) noRetry(res, 400);
        },
        unauthorized: async () => {
          if (!answered()) res.writeHead(401).end();
        },
        holdAcks: true,
      },
    );
  }

  private async onSocketDelivery(args: SocketDelivery): Promise<void> {
    let answered = false;
    const ack = async (response?: unknown) => {
      if (answered) return;
      answered = true;
      await args.ack(response as Record<string, unknown> | undefined);
    };
    try {
      await this.deliver(
        { body: args.body, retryNum: args.retry_num, retryReason: args.retry_reason },
        {
          ack,
          // An envelope left unacknowledged is delivered again by Slack.
          retry: async () => {
            answered = true;
          },
          reject: () => ack(),
          unauthorized: () => ack(),
          holdAcks: false,
        },
      );
    } catch (err) {
      this.o.log.warn({ err, type: args.type }, 'Socket Mode delivery failed');
    }
  }
}

interface SocketDelivery {
  ack: (response?: Record<string, unknown>) => Promise<void>;
  type: string;
  body: unknown;
  retry_num?: number;
  retry_reason?: string;
}

/** A request that will never parse: Slack's `X-Slack-No-Retry` header stops it being sent again. */
function noRetry(res: ServerResponse, status: number): void {
  res.writeHead(status, { 'X-Slack-No-Retry': '1' }).end();
}
