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

/**
 * What `componentEvents` would have stored after WeChat's pushes, written straight into the emulator's
 * database: the newest `component_verify_ticket` and `count` authorizers that granted permission set 18
 * (each also authorised on the emulated platform, with its refresh token). Returns their AppIDs.
 */
export function seedComponentPlatform(emulator: Emulator, count: number, now: Date): string[] {
  const put = (collection: string, document: Record<string, unknown> & { _id: string }) => {
    emulator.database.createCollection(collection);
    emulator.database.liveCollection(collection).set(documentKey(document._id), document as never);
  };
  const { ticket } = emulator.component.issueTicket();
  put('wechat_tokens', { _id: `component_verify_ticket_${EMULATOR_COMPONENT_APPID}`, kind: 'ticket', ticket, createdAt: now.getTime() });
  const appids = Array.from({ length: count }, (_, index) => emulatedAuthorizerAppid(index + 1));
  for (const appid of appids) {
    emulator.component.authorize(appid);
    put('wechat_authorizers', {
      _id: appid,
      kind: 'authorizer',
      authorizerAppid: appid,
      refreshToken: emulator.component.refreshToken(appid) ?? '',
      funcs: [18],
      status: 'authorized',
      problem: null,
      updatedAt: now.getTime(),
    });
  }
  return appids;
}
