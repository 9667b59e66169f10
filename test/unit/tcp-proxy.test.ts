// The lease tests' TCP proxy (test/tcp-proxy.ts) in front of a small echo server: it passes,
// swallows (blackhole) and holds (pause) bytes per direction while the connection is open, and
// a held end of stream comes after the held bytes.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { type Server, type Socket, connect, createServer } from 'node:net';
import { waitUntil } from '../helpers.ts';
import { TcpProxy } from '../tcp-proxy.ts';

/** What the echo server has read, per connection, and whether the stream ended. */
const seen: { text: string; ended: boolean }[] = [];
let echo: Server;
let port = 0;
before(async () => {
  echo = createServer({ allowHalfOpen: true }, (socket) => {
    const record = { text: '', ended: false };
    seen.push(record);
    socket.on('data', (chunk) => {
      record.text += chunk.toString();
      socket.write(chunk);
    });
    socket.on('end', () => {
      record.ended = true;
      socket.end();
    });
  });
  await new Promise<void>((done) => echo.listen(0, '127.0.0.1', done));
  port = (echo.address() as { port: number }).port;
});
after(() => new Promise<void>((done) => echo.close(() => done())));

/** A client of the proxy with everything it has read. */
async function client(proxy: TcpProxy): Promise<{ socket: Socket; read: () => string; ended: () => boolean }> {
  const socket = connect({ port: proxy.port, host: '127.0.0.1', allowHalfOpen: true });
  let text = '';
  let ended = false;
  socket.on('data', (chunk) => {
    text += chunk.toString();
  });
  socket.on('end', () => {
    ended = true;
  });
  await new Promise((done) => socket.once('connect', done));
  return { socket, read: () => text, ended: () => ended };
}

test('tcp proxy: pass, then a blackhole swallows both ways while the connection stays open, then pass again', async (t) => {
  const proxy = await TcpProxy.start(port);
  t.after(() => proxy.close());
  const first = seen.length;
  const c = await client(proxy);
  t.after(() => c.socket.destroy());
  c.socket.write('one;');
  await waitUntil(() => c.read() === 'one;', 'the echo through the proxy');
  proxy.set('blackhole');
  c.socket.write('lost;');
  await waitUntil(() => proxy.dropped('up') === 'lost;'.length, 'the proxy to swallow the bytes');
  proxy.set('pass');
  c.socket.write('two;');
  await waitUntil(() => c.read() === 'one;two;', 'the echo after the blackhole');
  assert.equal(seen[first]!.text, 'one;two;', 'the store never saw what the blackhole took');
  assert.equal(proxy.accepted, 1);
});

test('tcp proxy: a paused direction holds the answer until it passes again; a held end comes after the held bytes', async (t) => {
  const proxy = await TcpProxy.start(port);
  t.after(() => proxy.close());
  const first = seen.length;
  const c = await client(proxy);
  t.after(() => c.socket.destroy());
  // Answers held: the store reads the request and answers, the client gets nothing yet.
  proxy.set('pause', 'down');
  c.socket.write('ask;');
  await waitUntil(() => proxy.held('down') === 'ask;'.length, 'the answer to be held');
  assert.equal(seen[first]!.text, 'ask;');
  assert.equal(c.read(), '');
  proxy.set('pass', 'down');
  await waitUntil(() => c.read() === 'ask;', 'the held answer, late');
  // Requests held, with the end of the stream: nothing reaches the store until they pass.
  proxy.set('pause', 'up');
  c.socket.write('late;');
  c.socket.end();
  await waitUntil(() => proxy.held('up') === 'late;'.length, 'the request to be held');
  assert.deepEqual(seen[first], { text: 'ask;', ended: false });
  proxy.set('pass', 'up');
  await waitUntil(() => seen[first]!.ended, 'the held end of stream');
  assert.equal(seen[first]!.text, 'ask;late;', 'the bytes first, then the end');
  await waitUntil(() => c.ended(), "the store's end back to the client");
  assert.equal(c.read(), 'ask;late;');
});

test('tcp proxy: holdAnswersAfter holds the answers of the connection that sent the text, not of the others', async (t) => {
  const proxy = await TcpProxy.start(port);
  t.after(() => proxy.close());
  const [quiet, asker] = [await client(proxy), await client(proxy)];
  t.after(() => {
    for (const c of [quiet, asker]) c.socket.destroy();
  });
  proxy.holdAnswersAfter('lease-x');
  asker.socket.write('take lease-x;');
  await waitUntil(() => proxy.held('down') === 'take lease-x;'.length, "the asker's answer to be held");
  quiet.socket.write('other;');
  await waitUntil(() => quiet.read() === 'other;', 'the other connection to pass');
  assert.equal(asker.read(), '');
  proxy.set('pass');
  await waitUntil(() => asker.read() === 'take lease-x;', 'the held answer');
});
