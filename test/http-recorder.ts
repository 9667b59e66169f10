// A real local HTTP server for the notification tests: records every request (method, path,
// headers, body) and answers each path with the status the test set (200 unless told).
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Recorded {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

export class HttpRecorder {
  readonly requests: Recorded[] = [];
  readonly status = new Map<string, number>();
  private server: Server | null = null;
  private port = 0;

  /** Listens on 127.0.0.1, on a port the kernel picks. */
  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const path = req.url ?? '/';
        this.requests.push({ method: req.method ?? '', path, headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
        res.writeHead(this.status.get(path) ?? 200, { 'content-type': 'text/plain' });
        res.end('OK');
      });
    });
    await new Promise<void>((done) => this.server!.listen(0, '127.0.0.1', done));
    this.port = (this.server.address() as AddressInfo).port;
    return this;
  }

  url(path: string): string {
    return `http://127.0.0.1:${this.port}${path}`;
  }

  /** The requests made to one path so far. */
  to(path: string): Recorded[] {
    return this.requests.filter((r) => r.path === path);
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((done) => (this.server ? this.server.close(() => done()) : done()));
  }
}
