import type { Env } from './values';

export const ADMIN_OPENIDS_VARIABLE = 'ANALYTICS_ADMIN_OPENIDS';

function adminEntries(env: Env): { openid: string; appids?: string[] }[] {
  return (env[ADMIN_OPENIDS_VARIABLE] ?? '')
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean)
    .map((entry) => {
      const at = entry.indexOf('@');
      if (at < 0) return { openid: entry };
      return { openid: entry.slice(0, at).trim(), appids: entry.slice(at + 1).split('|').map((appid) => appid.trim()).filter(Boolean) };
    })
    .filter((entry) => entry.openid !== '');
}

/**
 * `ANALYTICS_ADMIN_OPENIDS` alone (comma-separated; blanks ignored). Never throws, so that a caller can
 * be refused before anything about a broken configuration is said to them.
 */
export function readAdminOpenids(env: Env): ReadonlySet<string> {
  return new Set(adminEntries(env).map((entry) => entry.openid));
}

/**
 * The admins of `ANALYTICS_ADMIN_OPENIDS` written `OPENID@wxAPPID1|wxAPPID2`: each limited to those Mini
 * Programs (third-party mode). An OPENID listed both bare and scoped may read every Mini Program.
 */
export function readAdminScopes(env: Env): ReadonlyMap<string, ReadonlySet<string>> {
  const entries = adminEntries(env);
  const unrestricted = new Set(entries.filter((entry) => !entry.appids).map((entry) => entry.openid));
  const scopes = new Map<string, Set<string>>();
  for (const entry of entries) {
    if (!entry.appids || unrestricted.has(entry.openid)) continue;
    const scope = scopes.get(entry.openid) ?? new Set<string>();
    for (const appid of entry.appids) scope.add(appid);
    scopes.set(entry.openid, scope);
  }
  return scopes;
}
