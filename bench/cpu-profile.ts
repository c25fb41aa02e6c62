// Reads a V8 .cpuprofile (node --cpu-prof) and adds up self time per function and per package in a time window.

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}

export interface CpuProfile {
  nodes: Array<{ id: number; callFrame: CallFrame }>;
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

/** Where code comes from: an npm package, a file of the app, Node itself, or V8's own entries ("(garbage collector)"). */
export function origin(url: string, functionName: string): string {
  if (!url) return functionName || '(unknown)';
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg) return pkg[1]!;
  if (url.startsWith('node:')) return 'node (built-in)';
  const app = /\/(dist|src|listeners|agent)\/(.*)$/.exec(url) ?? /\/([^/]+)$/.exec(url);
  return app ? (app[2] ? `${app[1]}/${app[2]}` : app[1]!) : url;
}

export interface SelfTime {
  /** "function (origin:line)" → µs. */
  functions: Map<string, number>;
  /** origin → µs. */
  origins: Map<string, number>;
  totalUs: number;
}

/** Self time of every sample whose timestamp lies in [fromUs, toUs] (the profile's monotonic clock). */
export function selfTime(p: CpuProfile, fromUs = p.startTime, toUs = p.endTime): SelfTime {
  const byId = new Map(p.nodes.map((n) => [n.id, n.callFrame]));
  const out: SelfTime = { functions: new Map(), origins: new Map(), totalUs: 0 };
  let at = p.startTime;
  for (let i = 0; i < p.samples.length; i++) {
    const delta = p.timeDeltas[i] ?? 0;
    at += delta;
    if (at < fromUs || at > toUs) continue;
    const f = byId.get(p.samples[i]!);
    if (!f || f.functionName === '(idle)') continue;
    const o = origin(f.url, f.functionName);
    const name = f.url ? `${f.functionName || '(anonymous)'} (${o}:${f.lineNumber + 1})` : o;
    out.functions.set(name, (out.functions.get(name) ?? 0) + delta);
    out.origins.set(o, (out.origins.get(o) ?? 0) + delta);
    out.totalUs += delta;
  }
  return out;
}

/** The largest entries, in ms divided by `per` (turns), as Markdown lines. */
export function top(entries: Map<string, number>, n: number, per = 1): string[] {
  return [...entries]
    .sort((a, b) => b[1] - a[1])
    .slice(0, n)
    .map(([k, us]) => `${(us / 1000 / per).toFixed(2)} ms  ${k}`);
}
