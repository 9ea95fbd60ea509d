import type { TimerTrigger } from './config';

/** A timer trigger as the function has it (SCF ListTriggers: TriggerName, TriggerDesc, Enable). */
export interface CurrentTimer {
  name: string;
  cron: string;
  enabled: boolean;
}

/** What the deploy does about one timer. */
export type TriggerChange =
  | { kind: 'unchanged'; timer: TimerTrigger; current: CurrentTimer }
  | { kind: 'create'; timer: TimerTrigger }
  | { kind: 'remove'; current: CurrentTimer }
  | { kind: 'replace'; current: CurrentTimer; timer: TimerTrigger; because: 'cron changed' | 'renamed' };

/**
 * The cron of an SCF timer's TriggerDesc: SCF lists timers with TriggerDesc `{"cron":"0 0 10 * * * *"}`,
 * while CreateTrigger takes the bare cron; both are read.
 */
export function timerCron(triggerDesc: string): string {
  try {
    const parsed: unknown = JSON.parse(triggerDesc);
    if (typeof parsed === 'object' && parsed !== null && 'cron' in parsed && typeof parsed.cron === 'string') return parsed.cron.trim();
  } catch {
    // a bare cron
  }
  return triggerDesc.trim();
}

function sameCron(a: string, b: string): boolean {
  return a.trim().split(/\s+/).join(' ') === b.trim().split(/\s+/).join(' ');
}

/**
 * Compares the function's timers with those its config.json declares. SCF cannot change a trigger in
 * place (and miniprogram-ci's createTimeTrigger only creates): a declared timer whose cron changed is
 * replaced (DeleteTrigger, then CreateTrigger); a declared timer missing by name takes the place of an
 * undeclared one (renamed), else is created; the remaining undeclared timers are removed; equal ones stay.
 */
export function diffTimers(current: readonly CurrentTimer[], declared: readonly TimerTrigger[]): TriggerChange[] {
  const changes: TriggerChange[] = [];
  const declaredNames = new Set(declared.map((timer) => timer.name));
  const undeclared = current.filter((timer) => !declaredNames.has(timer.name));
  for (const timer of declared) {
    const same = current.find((candidate) => candidate.name === timer.name);
    if (same !== undefined) {
      changes.push(sameCron(same.cron, timer.config) ? { kind: 'unchanged', timer, current: same } : { kind: 'replace', current: same, timer, because: 'cron changed' });
      continue;
    }
    const renamed = undeclared.shift();
    changes.push(renamed === undefined ? { kind: 'create', timer } : { kind: 'replace', current: renamed, timer, because: 'renamed' });
  }
  for (const timer of undeclared) changes.push({ kind: 'remove', current: timer });
  return changes;
}

/** One change as a line, e.g. `replace daily "0 0 9 * * * *" → daily "0 0 10 * * * *" (cron changed)`. */
export function formatTriggerChange(change: TriggerChange): string {
  const show = (name: string, cron: string) => `${name} "${cron}"`;
  switch (change.kind) {
    case 'unchanged':
      return `${show(change.timer.name, change.timer.config)} unchanged${change.current.enabled ? '' : ' (disabled in the console: left disabled)'}`;
    case 'create':
      return `create ${show(change.timer.name, change.timer.config)}`;
    case 'remove':
      return `remove ${show(change.current.name, change.current.cron)} (not in config.json)`;
    case 'replace':
      return `replace ${show(change.current.name, change.current.cron)} → ${show(change.timer.name, change.timer.config)} (${change.because})`;
  }
}
