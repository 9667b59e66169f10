// One bounded HTTP GET: a 2xx answer is healthy; any other status, a timeout, a refused
// connection or a bad answer is a failure, described in a few words for the report.

import { errnoCode } from '../errors.js';
import type { ProbeResult } from '../core/health.js';

/** How many probes one call sends at once: a file of many programs probes them together, this many at a time. */
export const PROBES_AT_ONCE = 16;

let sending = 0;
const waiting: (() => void)[] = [];

/** GETs `url`, giving up after `timeoutMs` (connection and answer together, counted from when its turn comes). Never rejects. */
export async function probeHttp(url: string, timeoutMs: number): Promise<ProbeResult> {
  if (sending >= PROBES_AT_ONCE) await new Promise<void>((turn) => waiting.push(turn));
  else sending++;
  try {
    return await probeOnce(url, timeoutMs);
  } finally {
    // The slot passes straight to the next in line, or is freed.
    const next = waiting.shift();
    if (next) next();
    else sending--;
  }
}

function probeOnce(url: string, timeoutMs: number): Promise<ProbeResult> {
  return new Promise((done) => {
    const target = new URL(url);
    // Loaded here, by the probe that needs it: a check with other duties (a heartbeat, an
    // --interval) loaded node:https and with it tls, crypto, net and the streams (about 60
    // built-in modules) for nothing.
    const { request } = process.getBuiltinModule(target.protocol === 'https:' ? 'node:https' : 'node:http') as typeof import('node:http');
    let settled = false;
    const finish = (result: ProbeResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      done(result);
    };
    const req = request(target, { method: 'GET', headers: { 'user-agent': 'ensure-running health check', connection: 'close' }, agent: false }, (res) => {
      const status = res.statusCode ?? 0;
      // The body is not read: drop it so the socket closes.
      res.resume();
      res.on('error', () => undefined);
      finish(status >= 200 && status < 300 ? { ok: true } : { ok: false, detail: `HTTP ${status} from ${url}` });
      req.destroy();
    });
    const timer = setTimeout(() => {
      finish({ ok: false, detail: `no answer from ${url} within ${timeoutMs} ms` });
      req.destroy();
    }, timeoutMs);
    req.on('error', (error) => {
      const code = errnoCode(error);
      finish({ ok: false, detail: code === 'ECONNREFUSED' ? `connection refused by ${target.host}` : `${code ?? error.message} from ${url}` });
    });
    req.end();
  });
}
