// One run of a card's action, as data: the steps it went through, each with a tone and
// an optional detail (a JSON excerpt) or bars (an outcome split). The card re-draws it
// from this on every change and on a language switch.
import { Text } from '../lib/i18n';

export type Tone = 'run' | 'ok' | 'fail' | 'info';

export interface Bar {
  label: Text;
  value: number;
  tone: 'ok' | 'warn' | 'bad' | 'info';
}

export interface Step {
  text: Text;
  tone: Tone;
  detail?: string;
  bars?: Bar[];
}

export class Run {
  readonly steps: Step[] = [];
  status: 'running' | 'done' | 'failed' = 'running';
  constructor(readonly action: string, private readonly changed: () => void) {}

  step(text: Text, tone: Tone = 'run', detail?: string): Step {
    const s: Step = { text, tone, detail };
    this.steps.push(s);
    this.changed();
    return s;
  }

  // Marks a step; `text` replaces its text when given.
  settle(s: Step, tone: Tone, text?: Text, detail?: string): void {
    s.tone = tone;
    if (text) s.text = text;
    if (detail !== undefined) s.detail = detail;
    this.changed();
  }

  bars(text: Text, bars: Bar[]): void {
    this.steps.push({ text, tone: 'info', bars });
    this.changed();
  }

  finish(ok: boolean): void {
    this.status = ok ? 'done' : 'failed';
    for (const s of this.steps) if (s.tone === 'run') s.tone = ok ? 'ok' : 'fail';
    this.changed();
  }
}

// Thrown by an action when a step fails: the run ends there, marked failed.
export class StepFailed extends Error {}
