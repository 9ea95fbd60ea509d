import { createHash } from 'crypto';
import { decryptMessage, encryptMessage, MessageCryptoError, signMessage, signRequest } from '../src';

// WeChat's published WXBizMsgCrypt samples (the official Java and Python sample programs).
const SAMPLE_KEY = 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG';
const JAVA_SAMPLE = {
  appid: 'wxb11529c136998cb6',
  random: 'aaaabbbbccccdddd',
  message: '我是中文abcd123',
  encrypt: 'jn1L23DB+6ELqJ+6bruv21Y6MD7KeIfP82D6gU39rmkgczbWwt5+3bnyg5K55bgVtVzd832WzZGMhkP72vVOfg==',
};
const PYTHON_SAMPLE = {
  appid: 'wx2c2769f8efd9abc2',
  token: 'spamtest',
  timestamp: '1409735669',
  nonce: '1320562132',
  msgSignature: '5d197aaffba7e9b25a30732f161a50dee96bd5fa',
  encrypt:
    'hyzAe4OzmOMbd6TvGdIOO6uBmdJoD0Fk53REIHvxYtJlE2B655HuD0m8KUePWB3+LrPXo87wzQ1QLvbeUgmBM4x6F8PGHQHFVAFmOD2LdJF9FrXpbUAh0B5GIItb52sn896wVsMSHGuPE328HnRGBcrS7C41IzDWyWNlZkyyXwon8T332jisa+h6tEDYsVticbSnyU8dKOIbgU6ux5VTjg3yt+WGzjlpKn6NPhRjpA912xMezR4kw6KWwMrCVKSVCZciVGCgavjIQ6X8tCOp3yZbGpy0VxpAe+77TszTfRd5RJSVO/HTnifJpXgCSUdUue1v6h0EIBYYI1BD1DlD+C0CR8e6OewpusjZ4uBl9FyJvnhvQl+q5rv1ixrcpCumEPo5MJSgM9ehVsNPfUM669WuMyVWQLCzpu9GhglF2PE=',
};

describe('WeChat message encryption', () => {
  it('encrypts the Java sample to its published ciphertext', () => {
    expect(encryptMessage(JAVA_SAMPLE.message, SAMPLE_KEY, JAVA_SAMPLE.appid, JAVA_SAMPLE.random)).toBe(JAVA_SAMPLE.encrypt);
    expect(decryptMessage(JAVA_SAMPLE.encrypt, SAMPLE_KEY, JAVA_SAMPLE.appid)).toEqual({ message: JAVA_SAMPLE.message, appid: JAVA_SAMPLE.appid });
  });

  it('signs and decrypts the Python sample as published', () => {
    const { token, timestamp, nonce, encrypt, appid } = PYTHON_SAMPLE;
    expect(signMessage(token, timestamp, nonce, encrypt)).toBe(PYTHON_SAMPLE.msgSignature);
    const decrypted = decryptMessage(encrypt, SAMPLE_KEY, appid);
    expect(decrypted.appid).toBe(appid);
    expect(decrypted.message).toMatch(/^<xml><ToUserName><!\[CDATA\[gh_10f6c3c3ac5a\]\]><\/ToUserName>\n/);
    expect(decrypted.message).toContain('<Content><![CDATA[abcdteT]]></Content>');
  });

  it('pads to 32-byte blocks: a 12-byte plaintext tail gets 32 bytes of padding, never 0', () => {
    // 16 random + 4 length + 0 message + 12 appid = 32 bytes: a whole extra block of 32 × 0x20.
    const encrypt = encryptMessage('', SAMPLE_KEY, 'wx1234567890', Buffer.alloc(16, 1));
    expect(Buffer.from(encrypt, 'base64')).toHaveLength(64);
    expect(decryptMessage(encrypt, SAMPLE_KEY)).toEqual({ message: '', appid: 'wx1234567890' });
  });

  it('round-trips any message with fresh random bytes', () => {
    const message = '<xml><InfoType>component_verify_ticket</InfoType><ComponentVerifyTicket>ticket@@@x</ComponentVerifyTicket></xml>';
    const first = encryptMessage(message, SAMPLE_KEY, 'wx00000000000000c0');
    const second = encryptMessage(message, SAMPLE_KEY, 'wx00000000000000c0');
    expect(first).not.toBe(second);
    expect(decryptMessage(first, SAMPLE_KEY, 'wx00000000000000c0').message).toBe(message);
  });

  it('refuses another AppID, a wrong key and a malformed key', () => {
    expect(() => decryptMessage(JAVA_SAMPLE.encrypt, SAMPLE_KEY, 'wx0000000000000000')).toThrow(MessageCryptoError);
    expect(() => decryptMessage(JAVA_SAMPLE.encrypt, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789abcdefg')).toThrow(MessageCryptoError);
    expect(() => encryptMessage('x', 'short', 'wx')).toThrow(MessageCryptoError);
    expect(() => decryptMessage('AAAA', SAMPLE_KEY)).toThrow(MessageCryptoError);
  });

  it('signRequest is the SHA-1 of the sorted token, timestamp and nonce', () => {
    const expected = createHash('sha1').update(['1409735669', '1320562132', 'spamtest'].sort().join('')).digest('hex');
    expect(signRequest('spamtest', '1409735669', '1320562132')).toBe(expected);
  });
});
