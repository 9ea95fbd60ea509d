import {
  type Emulator,
  documentKey,
  EMULATOR_APPID,
  EMULATOR_APP_SECRET,
  EMULATOR_COMPONENT_AES_KEY,
  EMULATOR_COMPONENT_APPID,
  EMULATOR_COMPONENT_APPSECRET,
  EMULATOR_COMPONENT_TOKEN,
} from '@wx-monthly-analytics/cloudbase-emulator';

/** The functions' variables for `WECHAT_TRANSPORT=https` against the emulator at `emulatorUrl`, with its default credentials. */
export function httpsEnvironment(emulatorUrl: string): Record<string, string> {
  return { WECHAT_TRANSPORT: 'https', WECHAT_APPID: EMULATOR_APPID, WECHAT_APPSECRET: EMULATOR_APP_SECRET, WECHAT_API_BASE_URL: emulatorUrl };
}

/** The functions' variables for `WECHAT_TRANSPORT=component` against the emulator at `emulatorUrl`, with its default platform. */
export function componentEnvironment(emulatorUrl: string): Record<string, string> {
  return {
    WECHAT_TRANSPORT: 'component',
    WECHAT_COMPONENT_APPID: EMULATOR_COMPONENT_APPID,
    WECHAT_COMPONENT_APPSECRET: EMULATOR_COMPONENT_APPSECRET,
    WECHAT_COMPONENT_TOKEN: EMULATOR_COMPONENT_TOKEN,
    WECHAT_COMPONENT_AES_KEY: EMULATOR_COMPONENT_AES_KEY,
    WECHAT_API_BASE_URL: emulatorUrl,
  };
}

/** The AppID of the `index`-th emulated authorizer (1-based): `wx` and 16 hex digits. */
export const emulatedAuthorizerAppid = (index: number): string => `wx${index.toString(16).padStart(16, '0')}`;

/** An authorizer to seed: its AppID, and what it granted (default set 18) and its status (default authorized). */
export interface SeededAuthorizer {
  appid: string;
  funcs?: number[];
  status?: 'authorized' | 'needs_reauth' | 'revoked';
}

function putDocument(emulator: Emulator, collection: string, document: Record<string, unknown> & { _id: string }): void {
  emulator.database.createCollection(collection);
  emulator.database.liveCollection(collection).set(documentKey(document._id), document as never);
}

/** What `componentEvents` stores on a `component_verify_ticket` push at `now`: a new ticket, the newest. */
export function pushTicket(emulator: Emulator, now: Date): void {
  const { ticket } = emulator.component.issueTicket();
  putDocument(emulator, 'wechat_tokens', { _id: `component_verify_ticket_${EMULATOR_COMPONENT_APPID}`, kind: 'ticket', ticket, createdAt: now.getTime() });
}

/**
 * What `componentEvents` stores on each authorisation at `now`, written straight into the emulator's
 * database; each authorizer is also authorised on the emulated platform (with its refresh token).
 */
export function seedAuthorizers(emulator: Emulator, authorizers: readonly (string | SeededAuthorizer)[], now: Date): void {
  for (const entry of authorizers) {
    const { appid, funcs = [18], status = 'authorized' } = typeof entry === 'string' ? { appid: entry } : entry;
    emulator.component.authorize(appid, { funcs });
    putDocument(emulator, 'wechat_authorizers', {
      _id: appid,
      kind: 'authorizer',
      authorizerAppid: appid,
      refreshToken: emulator.component.refreshToken(appid) ?? '',
      funcs,
      status,
      problem: null,
      updatedAt: now.getTime(),
    });
  }
}

/**
 * The emulated third-party platform after WeChat's pushes: the newest `component_verify_ticket` and
 * `count` authorizers that granted permission set 18. Returns their AppIDs.
 */
export function seedComponentPlatform(emulator: Emulator, count: number, now: Date): string[] {
  const appids = Array.from({ length: count }, (_, index) => emulatedAuthorizerAppid(index + 1));
  pushTicket(emulator, now);
  seedAuthorizers(emulator, appids, now);
  return appids;
}
