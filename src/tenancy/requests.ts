import { echo, invalidArgument } from '../errors';
import { PLATFORM_FIELDS } from '../request';

/** True for an admin's `{ reconcile: true }` (nothing else in it); `reconcile` with anything else is refused. */
export function isReconcileRequest(event: unknown): boolean {
  if (typeof event !== 'object' || event === null || !('reconcile' in event)) return false;
  const { reconcile, ...others } = event as Record<string, unknown>;
  const more = Object.keys(others).some((field) => !PLATFORM_FIELDS.has(field));
  if (reconcile !== true || more) throw invalidArgument(`Send { reconcile: true } alone to reconcile the authorizers with WeChat's list; got reconcile ${echo(reconcile)}${more ? ' with other fields' : ''}.`);
  return true;
}
