// Preloaded (`node --import`) into the app under test: answers on a Unix socket with the process's memory, CPU time
// and event-loop delay since the previous read, so the bench measures a child it did not write (the template) the
// same way as Threadwise. Only the process whose main script ends with BENCH_PROBE_MAIN listens (npm start runs the
// app as its own child, and npm loads this preload too).
import { createServer } from 'node:net';
import { monitorEventLoopDelay } from 'node:perf_hooks';

const path = process.env.BENCH_PROBE_SOCKET;
const main = process.env.BENCH_PROBE_MAIN;
if (path && main && process.argv[1]?.endsWith(main)) {
  const delay = monitorEventLoopDelay({ resolution: 10 });
  delay.enable();
  const ms = (ns) => Math.round(ns / 1e4) / 100;
  const server = createServer((socket) => {
    const { rss, heapUsed, heapTotal } = process.memoryUsage();
    const cpu = process.cpuUsage();
    const loop = { p50: ms(delay.percentile(50)), p99: ms(delay.percentile(99)), max: ms(delay.max) };
    delay.reset();
    // monoUs is on the clock of V8's CPU profiles (CLOCK_MONOTONIC), so a profile can be cut to a scenario's window.
    const monoUs = Number(process.hrtime.bigint() / 1000n);
    socket.end(JSON.stringify({ rss, heapUsed, heapTotal, cpuMs: (cpu.user + cpu.system) / 1000, loop, monoUs }));
  });
  server.listen(path);
  server.unref();
}
