import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { resolve } from 'node:path';

/** A port free right now on loopback (server-everything takes its port from PORT and cannot pick one itself). */
function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const s = createServer();
    s.once('error', fail);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => done(port));
    });
  });
}

/**
 * The MCP project's reference server (`@modelcontextprotocol/server-everything`, a dev dependency) over Streamable
 * HTTP on loopback, as its own process; ready once it says it is listening.
 */
export async function startEverything(): Promise<{ url: string; stop(): Promise<void> }> {
  const port = await freePort();
  const bin = resolve('node_modules/@modelcontextprotocol/server-everything/dist/index.js');
  const child: ChildProcess = spawn(process.execPath, [bin, 'streamableHttp'], {
    env: { ...process.env, PORT: String(port) },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  await new Promise<void>((ready, fail) => {
    let err = '';
    child.stderr!.on('data', (chunk: Buffer) => {
      err += chunk.toString();
      if (err.includes('listening on port')) ready();
    });
    child.once('exit', (code) => fail(new Error(`server-everything exited (${code}): ${err.slice(-500)}`)));
  });
  return {
    url: `http://127.0.0.1:${port}/mcp`,
    stop: () =>
      new Promise<void>((done) => {
        if (child.exitCode !== null) return done();
        child.once('exit', () => done());
        child.kill('SIGTERM');
      }),
  };
}
