import { AnalyticsError, ConfigurationError } from '../../errors';
import { APPID_PATTERN } from '../../config/values';
import { ComponentEvent, parseComponentEvent, parseEnvelope } from './events';
import { parseHttpEvent, refuse, Refusal } from './http-event';
import { decryptMessage, isFresh, readEncodingAesKey, verifyMsgSignature } from './message-crypto';

/** The third-party platform's settings that opening a push needs. */
export interface ComponentPushSettings {
  /** The platform's appid (`wx` and 16 characters). */
  componentAppid: string;
  /** 消息校验 Token. A secret: never logged or echoed. */
  token: string;
  /** 消息加解密 Key, 43 characters. A secret: never logged or echoed. */
  encodingAesKey: string;
  /** The function's clock, for the replay window (`FRESHNESS` in message-crypto.ts). */
  now: Date;
}

/** A push that was opened, or why not: answer with `successReply()` or `refusalReply(result)`. */
export type PushResult = { ok: true; message: ComponentEvent } | Refusal;

/**
 * Opens one push to the authorization-event URL: reads the HTTP access service event, checks
 * `msg_signature` (constant time) and the timestamp's freshness, decrypts `Encrypt`, checks that
 * it was meant for this platform and reads the event. Pure: no state, no I/O.
 *
 * Statuses: 405 not POST, 413 body over 64 KiB, 400 anything malformed or undecryptable, 401 a
 * signature that does not match or a timestamp outside the replay window, 403 a push for another
 * platform (outer `AppId`, the appid after the message, or the message's `AppId`). The check order
 * keeps the decryption behind the signature, so that an unsigned caller learns nothing about padding.
 * Reasons are short and never hold the token, the key or a decrypted value.
 *
 * Throws a `CONFIGURATION_ERROR` when the settings themselves are wrong (an appid that is not one, an
 * empty token, a key that is not 43 letters and digits): the function's configuration must be fixed.
 */
export function openComponentPush(event: unknown, settings: ComponentPushSettings): PushResult {
  const aes = checkSettings(settings);
  const http = parseHttpEvent(event);
  if (!http.ok) return http;
  const { query, body } = http.request;

  const envelope = parseEnvelope(body);
  if (!envelope.ok) return refuse(400, `envelope: ${envelope.reason}`);
  if (!verifyMsgSignature(settings.token, query.timestamp, query.nonce, envelope.encrypt, query.msg_signature)) {
    return refuse(401, 'msg_signature does not match');
  }
  if (!isFresh(query.timestamp, settings.now)) return refuse(401, 'timestamp outside the replay window');
  if (envelope.appId !== undefined && envelope.appId !== settings.componentAppid) {
    return refuse(403, 'the push is for another third-party platform');
  }

  const decrypted = decryptMessage(aes, envelope.encrypt);
  if (!decrypted.ok) return refuse(400, decrypted.reason);
  if (decrypted.receiveId !== settings.componentAppid) return refuse(403, 'the message is for another third-party platform');

  const parsed = parseComponentEvent(decrypted.message);
  if (!parsed.ok) return refuse(400, `message: ${parsed.reason}`);
  if (parsed.event.componentAppid !== settings.componentAppid) {
    return refuse(403, 'the message is for another third-party platform');
  }
  return { ok: true, message: parsed.event };
}

function checkSettings(settings: ComponentPushSettings) {
  if (!APPID_PATTERN.test(settings.componentAppid)) {
    throw new ConfigurationError('WECHAT_COMPONENT_APPID', "The third-party platform's appid must be wx and 16 letters or digits. Copy it from the Open Platform console.");
  }
  if (settings.token.trim() === '') {
    throw new ConfigurationError('WECHAT_COMPONENT_TOKEN', "The third-party platform's message token (消息校验 Token) is empty. Copy it from the Open Platform console.");
  }
  if (!(settings.now instanceof Date) || Number.isNaN(settings.now.getTime())) {
    throw new AnalyticsError('INTERNAL_ERROR', 'openComponentPush needs a valid clock (now).');
  }
  return readEncodingAesKey(settings.encodingAesKey);
}
