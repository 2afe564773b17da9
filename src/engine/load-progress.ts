// A load's progress as the caller sees it: what the source and the stage report (rows, bytes,
// input read), plus the phase the engine knows it is in. Without the phase, the last seconds of a
// load (the COPY finishing, the merge) show counts that no longer move.
import type { LoadPhase, Progress } from '../stage/types.js';
import type { PlanStep } from '../warehouse/plan.js';

export class LoadProgress {
  private phase: LoadPhase = 'reading';
  private last: Progress = { rows: 0, bytes: 0 };

  constructor(private readonly sink: (p: Progress) => void) {}

  /** The load started: the caller hears 'reading' before the source has anything to count. */
  begin(): void {
    this.emit();
  }

  /** What sources and stages report. The first staged row ends the reading phase. */
  readonly report = (p: Progress): void => {
    if (this.phase === 'reading' && p.rows > 0) this.phase = 'staging';
    this.last = { ...this.last, ...p };
    this.emit();
  };

  /** The engine moved on (never back: a retried transaction stays in its phase). */
  enter(phase: LoadPhase): void {
    if (PHASES.indexOf(phase) <= PHASES.indexOf(this.phase)) return;
    this.phase = phase;
    this.emit();
  }

  private emit(): void {
    this.sink({ ...this.last, phase: this.phase });
  }
}

const PHASES: LoadPhase[] = ['reading', 'staging', 'copying', 'merging'];

/**
 * The plan's steps, with `onMerge` called as the first statement after the last COPY starts:
 * where the transaction moves from copying to merging. (A step's params are computed as the
 * step runs, so they are the hook; the statement and its parameters are unchanged.)
 */
export function announceMerge(steps: PlanStep[], onMerge: () => void): PlanStep[] {
  let lastCopy = -1;
  steps.forEach((s, i) => {
    if (s.kind === 'copy') lastCopy = i;
  });
  const at = steps.findIndex((s, i) => i > lastCopy && s.kind === 'sql');
  if (at < 0) return steps;
  const step = steps[at] as Extract<PlanStep, { kind: 'sql' }>;
  const params = step.params;
  const announced: PlanStep = {
    ...step,
    params: (counts) => {
      onMerge();
      return typeof params === 'function' ? params(counts) : (params ?? []);
    },
  };
  return steps.map((s, i) => (i === at ? announced : s));
}
