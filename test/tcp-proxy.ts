// A small TCP proxy for the lease tests: it stands between the hosts and a real store
// (PostgreSQL, Redis) and does to their traffic what a network can do, per direction and
// while connections are open:
//   pass       bytes go through at once (and what a pause held goes first, in order);
//   blackhole  the proxy accepts and reads, but forwards nothing and answers nothing (an end
//              of stream neither): a partition, or a store that hangs;
//   pause      bytes are held, in order with the end of stream, and delivered when the
//              direction passes again: a stalled link whose answers come late.
// `up` is from the client to the store, `down` from the store to the client. The test closes
// it (every socket, by the proxy's own handles).

import { type Server, type Socket, connect, createServer } from 'node:net';

export type Mode = 'pass' | 'blackhole' | 'pause';
export type Direction = 'up' | 'down';

/** One way of one connection: where its bytes go, and what a pause holds. */
class Way {
  mode: Mode;
  held: (Buffer | 'end')[] = [];
  /** Bytes read in blackhole mode (gone for good). */
  dropped = 0;
  private ended = false;
  constructor(
    private readonly to: Socket,
    mode: Mode,
  ) {
    this.mode = mode;
  }
  /** A chunk (or the end of the stream) from the other side. */
  carry(item: Buffer | 'end'): void {
    if (this.mode === 'pass') this.deliver(item);
    else if (this.mode === 'pause') this.held.push(item);
    else if (item !== 'end') this.dropped += item.length;
  }
  set(mode: Mode): void {
    this.mode = mode;
    if (mode === 'blackhole') this.held = [];
    if (mode !== 'pass') return;
    const held = this.held;
    this.held = [];
    for (const item of held) this.deliver(item);
  }
  private deliver(item: Buffer | 'end'): void {
    if (this.ended || this.to.destroyed) return;
    if (item === 'end') {
      this.ended = true;
      this.to.end();
    } else this.to.write(item);
  }
}

/** One client's connection and the proxy's own to the store. */
export class Link {
  readonly up: Way;
  readonly down: Way;
  constructor(
    readonly client: Socket,
    readonly store: Socket,
    modes: Record<Direction, Mode>,
  ) {
    this.up = new Way(store, modes.up);
    this.down = new Way(client, modes.down);
  }
  set(direction: Direction, mode: Mode): void {
    this[direction].set(mode);
  }
  destroy(): void {
    this.client.destroy();
    this.store.destroy();
  }
}

export class TcpProxy {
  private readonly links = new Set<Link>();
  private readonly modes: Record<Direction, Mode> = { up: 'pass', down: 'pass' };
  private trigger: string | null = null;
  /** How many connections the proxy has accepted in all. */
  accepted = 0;

  private constructor(
    private readonly server: Server,
    readonly port: number,
  ) {}

  /** A proxy on a free loopback port in front of 127.0.0.1:`storePort`, passing both ways. */
  static start(storePort: number): Promise<TcpProxy> {
    const server = createServer({ allowHalfOpen: true });
    return new Promise((done, fail) => {
      server.once('error', fail);
      server.listen(0, '127.0.0.1', () => {
        const address = server.address();
        const proxy = new TcpProxy(server, typeof address === 'object' && address ? address.port : 0);
        server.on('connection', (client) => proxy.accept(client, storePort));
        done(proxy);
      });
    });
  }

  /** `url` with its port replaced by the proxy's: what a host behind this proxy is given. */
  url(url: string): string {
    const parsed = new URL(url);
    parsed.port = String(this.port);
    return parsed.toString().replace(/\/$/, '');
  }

  /** Sets one direction (or both) of the open connections and of the ones to come. */
  set(mode: Mode, direction: Direction | 'both' = 'both'): void {
    for (const way of direction === 'both' ? (['up', 'down'] as const) : [direction]) {
      this.modes[way] = mode;
      for (const link of this.links) link.set(way, mode);
    }
  }

  /**
   * Once a connection sends `text` (a lease name: the store call that takes or renews it), its
   * answers are held (`down` pauses) on that connection alone, until the next `set`: the call
   * reaches the store and is done there, but its answer comes late. null: no longer.
   */
  holdAnswersAfter(text: string | null): void {
    this.trigger = text;
  }

  /** Bytes held by pauses now, in one direction over all connections. */
  held(direction: Direction): number {
    let bytes = 0;
    for (const link of this.links) for (const item of link[direction].held) if (item !== 'end') bytes += item.length;
    return bytes;
  }

  /** Bytes a blackhole has swallowed in one direction, over the connections still open. */
  dropped(direction: Direction): number {
    let bytes = 0;
    for (const link of this.links) bytes += link[direction].dropped;
    return bytes;
  }

  /** Closes the listening socket and every connection; resolves once the listener is closed. */
  close(): Promise<void> {
    for (const link of this.links) link.destroy();
    this.links.clear();
    return new Promise((done) => this.server.close(() => done()));
  }

  private accept(client: Socket, storePort: number): void {
    this.accepted++;
    const store = connect({ port: storePort, host: '127.0.0.1', allowHalfOpen: true });
    const link = new Link(client, store, this.modes);
    this.links.add(link);
    client.on('data', (chunk: Buffer) => {
      link.up.carry(chunk);
      if (this.trigger !== null && chunk.includes(this.trigger)) link.set('down', 'pause');
    });
    store.on('data', (chunk: Buffer) => link.down.carry(chunk));
    // An end of stream travels like the bytes before it; a reset is an end too (what a network
    // would show the other side once the bytes are through).
    let clientEnded = false;
    let storeEnded = false;
    const clientEnd = () => {
      if (!clientEnded) link.up.carry('end');
      clientEnded = true;
    };
    const storeEnd = () => {
      if (!storeEnded) link.down.carry('end');
      storeEnded = true;
    };
    client.on('end', clientEnd);
    client.on('close', clientEnd);
    store.on('end', storeEnd);
    store.on('close', storeEnd);
    client.on('error', () => undefined);
    store.on('error', () => undefined);
    const forget = () => {
      if (client.destroyed && store.destroyed) this.links.delete(link);
    };
    client.on('close', forget);
    store.on('close', forget);
  }
}
