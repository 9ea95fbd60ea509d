import { createDecipheriv, createHash, timingSafeEqual } from 'crypto';
import { ConfigurationError } from '../../errors';

/**
 * WeChat's message crypto for third-party platforms (WXBizMsgCrypt, 消息加解密; the same scheme as the
 * Official Account's safe mode and WeCom's callbacks):
 * - `msg_signature` = SHA-1 (hex) of the four strings token, timestamp, nonce and `Encrypt`, sorted
 *   (code-unit order) and concatenated;
 * - `Encrypt` = base64 of AES-256-CBC, key = base64-decode(EncodingAESKey + "="), 32 bytes, IV = the
 *   key's first 16 bytes, PKCS#7 padding to a multiple of 32 bytes (pad value 1 to 32);
 * - plaintext = 16 random bytes, the message's length in bytes (4 bytes, big-endian), the message (UTF-8
 *   XML), then the receiving appid (the component appid for a third-party platform).
 * Sources: Open Platform "消息加解密" technical plan and its official sample code (WXBizMsgCrypt in five
 * languages); known answers in test/unit/component-crypto.test.ts.
 *
 * Written on Node's `crypto` rather than wrapping `@wecom/crypto` (1.0.1, the one npm package for the
 * scheme): its `decrypt` accepts any padding (a pad byte outside 1–32 is kept as data, the pad bytes are
 * not checked) and never checks the length field, so a corrupt message would come back as a wrong appid
 * instead of being refused; it also lists no repository or maintainers. What it would save is twenty lines.
 */

/** The accepted distance between a push's `timestamp` and the function's clock. */
export const FRESHNESS = {
  /**
   * 15 minutes: WeChat retries a push that is not answered within 5 seconds, three times (documented
   * for Official Account pushes; assumed the same here), and a cold start may add seconds; a replayed
   * push older than this is refused. Within it a replay
   * can only repeat a ticket that is still valid (12 h) or an authorisation code WeChat already sent.
   */
  maxAgeSeconds: 15 * 60,
  /** 5 minutes: clock skew between WeChat and the function. */
  maxAheadSeconds: 5 * 60,
} as const;

/** The AES key and IV of an EncodingAESKey. */
export interface AesKey {
  key: Buffer;
  iv: Buffer;
}

/** What a decrypted `Encrypt` holds. */
export interface Decrypted {
  /** The message, UTF-8 XML. May hold a secret (a ticket): never log it. */
  message: string;
  /** The trailing appid, which must be the component appid. */
  receiveId: string;
}

/** Why `Encrypt` could not be read: a short reason, never key material or plaintext. */
export interface DecryptFailure {
  ok: false;
  reason: string;
}

const ENCODING_AES_KEY = /^[A-Za-z0-9]{43}$/;
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

/**
 * Reads an EncodingAESKey: 43 letters and digits, as the Open Platform console generates them.
 * Throws a `CONFIGURATION_ERROR` (saying only the length, never the key) when it is not one.
 */
export function readEncodingAesKey(encodingAesKey: string): AesKey {
  if (!ENCODING_AES_KEY.test(encodingAesKey)) {
    throw new ConfigurationError(
      'WECHAT_COMPONENT_AES_KEY',
      `The third-party platform's EncodingAESKey must be 43 letters and digits; it has ${encodingAesKey.length} characters. Copy it again from the Open Platform console (开发资料, 消息加解密 Key).`,
    );
  }
  const key = Buffer.from(`${encodingAesKey}=`, 'base64');
  return { key, iv: key.subarray(0, 16) };
}

/** `msg_signature` for these four values: SHA-1, 40 lower-case hex digits. */
export function msgSignature(token: string, timestamp: string, nonce: string, encrypt: string): string {
  const parts = [token, timestamp, nonce, encrypt].sort();
  return createHash('sha1').update(parts.join(''), 'utf8').digest('hex');
}

/** True when `signature` is the `msg_signature` of these values; compared in constant time. */
export function verifyMsgSignature(token: string, timestamp: string, nonce: string, encrypt: string, signature: string): boolean {
  const expected = Buffer.from(msgSignature(token, timestamp, nonce, encrypt), 'utf8');
  const given = Buffer.from(signature.toLowerCase(), 'utf8');
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/**
 * Whether a push's `timestamp` (Unix seconds) is within {@link FRESHNESS} of `now`: at most
 * `maxAgeSeconds` old and at most `maxAheadSeconds` ahead.
 */
export function isFresh(timestamp: string, now: Date): boolean {
  if (!/^[0-9]{1,12}$/.test(timestamp)) return false;
  const age = Math.floor(now.getTime() / 1000) - Number(timestamp);
  return age <= FRESHNESS.maxAgeSeconds && -age <= FRESHNESS.maxAheadSeconds;
}

/**
 * Decrypts `Encrypt`. Call it only once the signature has been verified (an unauthenticated caller
 * must not learn whether its ciphertext pads correctly). Never throws for a bad ciphertext: invalid
 * base64, a length that is not whole AES blocks, bad PKCS#7 padding (value outside 1–32, or pad bytes
 * that differ), a length field past the end, or a message that is not UTF-8 all give a
 * {@link DecryptFailure}. The receive id is returned, not compared: that is the caller's check.
 */
export function decryptMessage(aes: AesKey, encrypt: string): ({ ok: true } & Decrypted) | DecryptFailure {
  if (encrypt.length % 4 !== 0 || !BASE64.test(encrypt)) return { ok: false, reason: 'Encrypt is not base64' };
  const ciphertext = Buffer.from(encrypt, 'base64');
  if (ciphertext.length < 32 || ciphertext.length % 16 !== 0) return { ok: false, reason: 'Encrypt is not whole AES blocks' };

  let plain: Buffer;
  try {
    const decipher = createDecipheriv('aes-256-cbc', aes.key, aes.iv);
    decipher.setAutoPadding(false);
    plain = Buffer.concat([decipher.update(ciphertext), decipher.final()]);
  } catch {
    return { ok: false, reason: 'Encrypt could not be decrypted' };
  }

  const pad = plain[plain.length - 1] ?? 0;
  if (pad < 1 || pad > 32 || pad > plain.length) return { ok: false, reason: 'Encrypt has bad padding' };
  for (let index = plain.length - pad; index < plain.length; index += 1) {
    if (plain[index] !== pad) return { ok: false, reason: 'Encrypt has bad padding' };
  }
  const content = plain.subarray(0, plain.length - pad);
  if (content.length < 20) return { ok: false, reason: 'Encrypt is too short' };
  const length = content.readUInt32BE(16);
  if (length > content.length - 20) return { ok: false, reason: 'Encrypt has a bad length field' };

  let message: string;
  try {
    message = new TextDecoder('utf-8', { fatal: true }).decode(content.subarray(20, 20 + length));
  } catch {
    return { ok: false, reason: 'Encrypt does not hold UTF-8 text' };
  }
  const receiveId = content.subarray(20 + length).toString('latin1');
  return { ok: true, message, receiveId };
}
