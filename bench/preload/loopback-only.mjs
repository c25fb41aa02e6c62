// Preloaded (`node --import`) into every process the bench starts: a connection to anything but loopback fails
// at once, so neither bot can reach the internet (and a call that would have left the machine shows as a failure).
// Names the blocked targets in BENCH_BLOCKED_LOG so the bench can report them.
import { appendFileSync } from 'node:fs';
import net from 'node:net';

const LOOPBACK = /^(localhost|127(\.\d{1,3}){3}|::1|::ffff:127(\.\d{1,3}){3})$/i;
const connect = net.Socket.prototype.connect;

net.Socket.prototype.connect = function connectLoopbackOnly(...args) {
  // net.connect passes its normalized [options, callback]; direct calls pass (options, cb) or (port, host, cb).
  const first = Array.isArray(args[0]) ? args[0][0] : args[0];
  const options = typeof first === 'object' && first !== null ? first : { port: first, host: args[1] };
  const host = typeof options.host === 'string' ? options.host : 'localhost';
  if (options.path || LOOPBACK.test(host)) return connect.apply(this, args);
  const target = `${host}:${options.port}`;
  if (process.env.BENCH_BLOCKED_LOG) appendFileSync(process.env.BENCH_BLOCKED_LOG, `${target}\n`);
  const err = Object.assign(new Error(`bench: connection to ${target} blocked (loopback only)`), {
    code: 'ECONNREFUSED',
  });
  process.nextTick(() => this.destroy(err));
  return this;
};
