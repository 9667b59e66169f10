// One bounded HTTP GET: a 2xx answer is healthy; any other status, a timeout, a refused
// connection or a bad answer is a failure, described in a few words for the report.

import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { errnoCode } from '../errors.js';
import type { ProbeResult } from '../core/health.js';

/** GETs `url`, giving up after `timeoutMs` (connection and answer together). Never rejects. */
export function probeHttp(url: string, timeoutMs: number): Promise<ProbeResult> {
  return new Promise((done) => {
    const target = new URL(url);
    const request = target.protocol === 'https:' ? httpsRequest : httpRequest;
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
