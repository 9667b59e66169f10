// The lines of a file's programs, checked together, said in the file's order: the first
// program not yet finished says its lines as they come; every later one keeps them until the
// programs before it have finished, so each program's lines stay together and in file order.

import type { World } from '../world.js';

type Line = { to: 'warn' | 'say'; text: string };

/** One slot per program; `world(i)` is the world program i says its lines to. */
export class FileOrder {
  private readonly kept: Line[][];
  private readonly finished: boolean[];
  private readonly worlds: World[];
  /** The first slot not yet finished: it speaks at once. */
  private next = 0;

  constructor(
    private readonly out: World,
    count: number,
  ) {
    this.kept = Array.from({ length: count }, () => []);
    this.finished = Array.from({ length: count }, () => false);
    this.worlds = Array.from({ length: count }, (_, i) => ({
      ...out,
      warn: (text: string) => this.line(i, { to: 'warn', text }),
      say: (text: string) => this.line(i, { to: 'say', text }),
    }));
  }

  world(i: number): World {
    return this.worlds[i]!;
  }

  /** Program i has finished: its kept lines and those of the finished programs after it are said. */
  done(i: number): void {
    this.finished[i] = true;
    while (this.next < this.kept.length && this.finished[this.next]) {
      this.next++;
      this.sayKept(this.next);
    }
  }

  /** Says every kept line at once, in file order (a call that must end now). */
  flush(): void {
    for (let i = this.next; i < this.kept.length; i++) this.sayKept(i);
  }

  private sayKept(i: number): void {
    const lines = this.kept[i];
    if (!lines) return;
    for (const line of lines.splice(0)) this.out[line.to](line.text);
  }

  private line(i: number, line: Line): void {
    if (i === this.next) this.out[line.to](line.text);
    else this.kept[i]!.push(line);
  }
}
