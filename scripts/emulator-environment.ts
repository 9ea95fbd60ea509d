import {
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
