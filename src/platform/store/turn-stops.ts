import { EventEmitter } from 'node:events';
import type { ThreadKey } from '../../turn/thread.js';
import type { StoreKeys } from './keys.js';
import { type RedisClient, subscriberOf } from './redis-client.js';

/**
 * "Stop" for a thread's running turn: told by whichever replica receives Slack's agent_session_stopped, heard by
 * whichever replica runs the turn. A stop nobody is watching for (the turn already ended) is simply lost.
 */
export interface TurnStops {
  stop(key: ThreadKey): Promise<void>;
  /** Calls `onStop` whenever a stop for this thread arrives; returns the function that stops watching. */
  watch(key: ThreadKey, onStop: () => void): () => void;
  close(): Promise<void>;
}

const threadOf = (k: ThreadKey) => `${k.teamId}:${k.channel}:${k.threadTs}`;

/** One process: the stop goes straight to the watcher. */
export class MemoryTurnStops implements TurnStops {
  private readonly bus = new EventEmitter().setMaxListeners(0);

  async stop(key: ThreadKey): Promise<void> {
    this.bus.emit(threadOf(key));
  }

  watch(key: ThreadKey, onStop: () => void): () => void {
    const id = threadOf(key);
    this.bus.on(id, onStop);
    return () => this.bus.off(id, onStop);
  }

  async close(): Promise<void> {
    this.bus.removeAllListeners();
  }
}

/**
 * Several replicas: a stop is published on one Redis channel (the thread id is the message) that every replica
 * subscribes to on its own connection, since a subscribed connection can run no other command.
 */
export class RedisTurnStops implements TurnStops {
  private readonly local = new MemoryTurnStops();
  private readonly subscriber: RedisClient;
  private readonly channel: string;

  constructor(
    private readonly redis: RedisClient,
    keys: StoreKeys,
    onError: (err: Error) => void,
  ) {
    this.channel = keys.turnStops;
    this.subscriber = subscriberOf(redis);
    this.subscriber.on('error', onError);
    this.subscriber.on('message', (channel: string, thread: string) => {
      if (channel !== this.channel) return;
      const [teamId = '', channelId = '', threadTs = ''] = thread.split(':');
      void this.local.stop({ teamId, channel: channelId, threadTs });
    });
    this.subscriber.subscribe(this.channel).catch(onError);
  }

  async stop(key: ThreadKey): Promise<void> {
    await this.redis.publish(this.channel, threadOf(key));
  }

  watch(key: ThreadKey, onStop: () => void): () => void {
    return this.local.watch(key, onStop);
  }

  async close(): Promise<void> {
    await this.local.close();
    // Not quit(): a subscriber waiting to reconnect would hold the command (and shutdown) until Redis is back.
    this.subscriber.disconnect();
  }
}
