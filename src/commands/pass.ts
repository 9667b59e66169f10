// What one check said, as data: the transitions of its decisions, each with the line it says
// of the program (or none), and the check's own warnings (records not trusted, an invalid PID
// file), in the order said. "Quiet" (the quiet promise), the change a hook
// or webhook is told and its message are derived from it, never from what reached stdout.

import { linesOf, type Told, type Transition } from '../core/transition.js';
import type { World } from '../world.js';

/** One check's record of what it said; `world` is the world its steps warn through. */
export class Pass implements Told {
  /** The transitions of every decision of the check (and of the lease, and of a copy stopped), in order. */
  readonly transitions: Transition[] = [];
  /** The lines of news, in the order said: the transitions' lines the executor said, and the warnings. */
  readonly said: string[] = [];
  /** The world of the check's steps: a line said through it is a warning of this check, news for a hook. */
  readonly world: World;
  /** Lines said that are no news (a waiter's kept lines, a notification's failure): no hook, but no promise either. */
  private asides = 0;

  constructor(private readonly out: World) {
    this.world = {
      ...out,
      warn: (line) => {
        this.said.push(line);
        out.warn(line);
      },
      say: (line) => {
        this.said.push(line);
        out.say(line);
      },
    };
  }

  /** Adds a decision's transitions and says their lines as they come. */
  collect(transitions: readonly Transition[]): void {
    for (const transition of transitions) {
      this.transitions.push(transition);
      if (transition.line === null) continue;
      this.said.push(transition.line);
      this.out.warn(transition.line);
    }
  }

  /** The world for lines that are no news of this check (told before, or about the telling itself). */
  asideWorld(): World {
    const note = (say: (line: string) => void) => (line: string) => {
      this.asides++;
      say(line);
    };
    return { ...this.out, warn: note(this.out.warn), say: note(this.out.say) };
  }

  /** Nothing said: no transition had a line, no warning, nothing aside. */
  silent(): boolean {
    return this.said.length === 0 && this.asides === 0 && linesOf(this.transitions).length === 0;
  }
}
