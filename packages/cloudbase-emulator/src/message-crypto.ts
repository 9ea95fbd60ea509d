import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'crypto';

/**
 * WeChat's message encryption for pushes to a third-party platform (and encrypted-mode servers), written
 * from the published scheme with Node's `crypto` only:
 * - key: base64 decoding of the 43-character EncodingAESKey plus `=` (32 bytes); IV: the key's first 16 bytes;
 * - plaintext: 16 random bytes, the message's UTF-8 length as 4 bytes big-endian, the message, the AppID;
 * - PKCS#7 padding to a multiple of 32 bytes (not AES's 16), AES-256-CBC, base64;
 * - `msg_signature`: SHA-1 (hex) of the sorted strings [token, timestamp, nonce, Encrypt] joined.
 */

/** Length of an EncodingAESKey. */
export const ENCODING_AES_KEY_LENGTH = 43;
/** The block size WeChat pads to. */
const PAD_BLOCK = 32;
const RANDOM_BYTES = 16;

/** A message WeChat's scheme cannot decrypt or verify: bad key, padding, length or AppID. */
export class MessageCryptoError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MessageCryptoError';
  }
}

/**
 * The 32-byte AES key of an EncodingAESKey.
 * @throws MessageCryptoError unless it is 43 base64 characters (A–Z, a–z, 0–9, `+`, `/`)
 */
export function aesKeyOf(encodingAesKey: string): Buffer {
  if (!/^[A-Za-z0-9+/]{43}$/.test(encodingAesKey)) {
    throw new MessageCryptoError(`an EncodingAESKey is ${ENCODING_AES_KEY_LENGTH} characters of A-Z, a-z and 0-9`);
  }
  const key = Buffer.from(`${encodingAesKey}=`, 'base64');
  if (key.length !== 32) throw new MessageCryptoError('the EncodingAESKey does not decode to 32 bytes');
  return key;
}

/**
 * Encrypts `message` for `appid` (the third-party platform's AppID) as WeChat does; the result is the
 * `Encrypt` text of the XML envelope.
 *
 * @param random - the 16 leading random bytes (a Buffer or 16 ASCII characters); fresh ones by default
 */
export function encryptMessage(message: string, encodingAesKey: string, appid: string, random: Buffer | string = randomBytes(RANDOM_BYTES)): string {
  const prefix = typeof random === 'string' ? Buffer.from(random, 'utf8') : random;
  if (prefix.length !== RANDOM_BYTES) throw new MessageCryptoError(`the random prefix must be ${RANDOM_BYTES} bytes, got ${prefix.length}`);
  const body = Buffer.from(message, 'utf8');
  const length = Buffer.alloc(4);
  length.writeUInt32BE(body.length, 0);
  const plain = Buffer.concat([prefix, length, body, Buffer.from(appid, 'utf8')]);
  const pad = PAD_BLOCK - (plain.length % PAD_BLOCK);
  const padded = Buffer.concat([plain, Buffer.alloc(pad, pad)]);
  const key = aesKeyOf(encodingAesKey);
  const cipher = createCipheriv('aes-256-cbc', key, key.subarray(0, 16));
  cipher.setAutoPadding(false);
  return Buffer.concat([cipher.update(padded), cipher.final()]).toString('base64');
}

/** A decrypted message and the AppID it was encrypted for. */
export interface DecryptedMessage {
  message: string;
  appid: string;
}

/**
 * Decrypts an `Encrypt` text.
 *
 * @param expectedAppid - when given, the AppID inside must equal it
 * @throws MessageCryptoError for text that is not a whole number of blocks, bad padding, a length past
 *   the end, or another AppID
 */
export function decryptMessage(encrypt: string, encodingAesKey: string, expectedAppid?: string): DecryptedMessage {
  const key = aesKeyOf(encodingAesKey);
  const data = Buffer.from(encrypt, 'base64');
  if (data.length === 0 || data.length % 16 !== 0) throw new MessageCryptoError('the ciphertext is not a whole number of AES blocks');
  const decipher = createDecipheriv('aes-256-cbc', key, key.subarray(0, 16));
  decipher.setAutoPadding(false);
  const padded = Buffer.concat([decipher.update(data), decipher.final()]);
  const pad = padded[padded.length - 1] ?? 0;
  if (pad < 1 || pad > PAD_BLOCK || pad > padded.length || !padded.subarray(padded.length - pad).every((byte) => byte === pad)) {
    throw new MessageCryptoError('bad PKCS#7 padding: wrong EncodingAESKey?');
  }
  const plain = padded.subarray(0, padded.length - pad);
  if (plain.length < RANDOM_BYTES + 4) throw new MessageCryptoError('the plaintext is too short');
  const length = plain.readUInt32BE(RANDOM_BYTES);
  const start = RANDOM_BYTES + 4;
  if (start + length > plain.length) throw new MessageCryptoError('the message length runs past the end of the plaintext');
  const message = plain.subarray(start, start + length).toString('utf8');
  const appid = plain.subarray(start + length).toString('utf8');
  if (expectedAppid !== undefined && appid !== expectedAppid) throw new MessageCryptoError(`the message is for another AppID (${appid})`);
  return { message, appid };
}

/** SHA-1 (hex) of the strings sorted and joined: WeChat's `signature` (3 parts) and `msg_signature` (4 parts). */
function sha1OfSorted(parts: readonly string[]): string {
  return createHash('sha1').update([...parts].sort().join('')).digest('hex');
}

/** WeChat's `msg_signature` of an encrypted push: SHA-1 of the sorted [token, timestamp, nonce, encrypt]. */
export function signMessage(token: string, timestamp: string, nonce: string, encrypt: string): string {
  return sha1OfSorted([token, timestamp, nonce, encrypt]);
}

/** WeChat's URL `signature` of any push: SHA-1 of the sorted [token, timestamp, nonce]. */
export function signRequest(token: string, timestamp: string, nonce: string): string {
  return sha1OfSorted([token, timestamp, nonce]);
}
