import { createCipheriv, createHash, randomBytes } from 'crypto';
import { decryptMessage, FRESHNESS, isFresh, msgSignature, readEncodingAesKey, verifyMsgSignature } from '../../src/open-platform/events/message-crypto';

// An encryptor written from the scheme's description with Node's crypto only, sharing no code with
// the product, so that a mistake in the product cannot hide in its own round trips. It is itself
// checked against WeChat's published known answers below.
function frame(message: string | Buffer, receiveId: string, random: Buffer = randomBytes(16), length?: number): Buffer {
  const body = Buffer.isBuffer(message) ? message : Buffer.from(message, 'utf8');
  const size = Buffer.alloc(4);
  size.writeUInt32BE(length ?? body.length, 0);
  return Buffer.concat([random, size, body, Buffer.from(receiveId, 'utf8')]);
}
function pad32(data: Buffer): Buffer {
  const count = 32 - (data.length % 32);
  return Buffer.concat([data, Buffer.alloc(count, count)]);
}
function aesRaw(encodingAesKey: string, plaintext: Buffer): string {
  const key = Buffer.from(`${encodingAesKey}=`, 'base64');
  const cipher = createCipheriv('aes-256-cbc', key, key.subarray(0, 16));
  cipher.setAutoPadding(false);
  return Buffer.concat([cipher.update(plaintext), cipher.final()]).toString('base64');
}
function wxEncrypt(encodingAesKey: string, message: string, receiveId: string, random?: Buffer): string {
  return aesRaw(encodingAesKey, pad32(frame(message, receiveId, random)));
}
function sha1Signature(...parts: string[]): string {
  return createHash('sha1').update(parts.sort().join('')).digest('hex');
}

const KEY = 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG';
const APPID = 'wx2c2769f8efd9abc2';

// WeChat's Official Account sample (WXBizMsgCrypt sample code, all five languages): same scheme.
const OA_SAMPLE = {
  token: 'spamtest',
  timestamp: '1409735669',
  nonce: '1320562132',
  msgSignature: '5d197aaffba7e9b25a30732f161a50dee96bd5fa',
  encrypt:
    'hyzAe4OzmOMbd6TvGdIOO6uBmdJoD0Fk53REIHvxYtJlE2B655HuD0m8KUePWB3+LrPXo87wzQ1QLvbeUgmBM4x6F8PGHQHFVAFmOD2LdJF9FrXpbUAh0B5GIItb52sn896wVsMSHGuPE328HnRGBcrS7C41IzDWyWNlZkyyXwon8T332jisa+h6tEDYsVticbSnyU8dKOIbgU6ux5VTjg3yt+WGzjlpKn6NPhRjpA912xMezR4kw6KWwMrCVKSVCZciVGCgavjIQ6X8tCOp3yZbGpy0VxpAe+77TszTfRd5RJSVO/HTnifJpXgCSUdUue1v6h0EIBYYI1BD1DlD+C0CR8e6OewpusjZ4uBl9FyJvnhvQl+q5rv1ixrcpCumEPo5MJSgM9ehVsNPfUM669WuMyVWQLCzpu9GhglF2PE=',
};

// The Open Platform's own example (消息推送, third-party platform, "debug_demo"): token AAAAA, key of
// 43 A's, platform appid wx134c8103faa5a59e.
const OPEN_SAMPLE = {
  token: 'AAAAA',
  key: 'A'.repeat(43),
  appid: 'wx134c8103faa5a59e',
  timestamp: '1715943329',
  nonce: '1590219412',
  msgSignature: '6c12a4205838198b8fa631b3220723bb07f1015c',
  encrypt:
    'D7yzvUNAL930rd28wf21s4hvXhz0L6Uit/p2Di6C5DHyYGpEgdBRnKjBec34JwoQXicwaZC7fOVihW80F4VtsdvE//1vr7oAbqjDv8KenVp+ajKYpJnyQ4zMRhIC+a31fCVOMC03FfzV/QuC94kBP55a+Za3sJgvAn+ZbsNqZI5DkyuzkhQN8OBqCzFhizGmy0xpM0MEA4agpvE+RuNO1rhHTtuJB5yltw1FiYzecSXJ+y/D2r81VkRn2eYjh2ltsoyfbDR7Is6ookXIFxTfyeNyeHxMeT4KN5WpCDmSbTcUYrbBUlkGLJ9n/rU8YOywma6G7aTb7KZKOqCxgfoUlYEZPk4FUL/TK7ShriFDMVCLyjQJ15Ob++agDWtcxhfUfe6HIoIpRW8mKNBQiY/Jd1svvuskA1wLef1RTtzKfMpagSCX/laZINmdnX4zrF6kIaR9P4xQrWXbsTFHTYe0Mg==',
};

describe('known answers', () => {
  test("the Official Account sample: signature and message", () => {
    const { token, timestamp, nonce, msgSignature: signature, encrypt } = OA_SAMPLE;
    expect(msgSignature(token, timestamp, nonce, encrypt)).toBe(signature);
    expect(verifyMsgSignature(token, timestamp, nonce, encrypt, signature)).toBe(true);
    const result = decryptMessage(readEncodingAesKey(KEY), encrypt);
    expect(result).toEqual({
      ok: true,
      receiveId: APPID,
      message:
        '<xml><ToUserName><![CDATA[gh_10f6c3c3ac5a]]></ToUserName>\n<FromUserName><![CDATA[oyORnuP8q7ou2gfYjqLzSIWZf0rs]]></FromUserName>\n<CreateTime>1409735668</CreateTime>\n<MsgType><![CDATA[text]]></MsgType>\n<Content><![CDATA[abcdteT]]></Content>\n<MsgId>6054768590064713728</MsgId>\n</xml>',
    });
  });

  test("the Open Platform's third-party example: signature, message and component appid", () => {
    const { token, key, appid, timestamp, nonce, msgSignature: signature, encrypt } = OPEN_SAMPLE;
    expect(verifyMsgSignature(token, timestamp, nonce, encrypt, signature)).toBe(true);
    const result = decryptMessage(readEncodingAesKey(key), encrypt);
    expect(result.ok && result.receiveId).toBe(appid);
    expect(result.ok && result.message).toContain('<Event><![CDATA[debug_demo]]></Event>');
    expect(result.ok && result.message).toContain('<debug_str><![CDATA[hello world]]></debug_str>');
  });

  test('the independent encryptor reproduces the official Java sample test (fixed random)', () => {
    // WXBizMsgCryptTest.java: random aaaabbbbccccdddd, appid wxb11529c136998cb6.
    expect(wxEncrypt(KEY, '我是中文abcd123', 'wxb11529c136998cb6', Buffer.from('aaaabbbbccccdddd'))).toBe(
      'jn1L23DB+6ELqJ+6bruv21Y6MD7KeIfP82D6gU39rmkgczbWwt5+3bnyg5K55bgVtVzd832WzZGMhkP72vVOfg==',
    );
    expect(sha1Signature('AAAAA', '1715943329', '1590219412', OPEN_SAMPLE.encrypt)).toBe(OPEN_SAMPLE.msgSignature);
  });
});

describe('round trips through the independent encryptor', () => {
  const aes = readEncodingAesKey(KEY);
  test.each([
    ['short ASCII', '<xml/>'],
    ['Chinese (length in bytes, not characters)', '<xml><Content>测试一下中文的情况，消息长度是按字节来算的</Content></xml>'],
    ['4 KiB', 'y'.repeat(4096)],
    ['empty message', ''],
  ])('%s', (_name, message) => {
    const encrypt = wxEncrypt(KEY, message, APPID);
    expect(decryptMessage(aes, encrypt)).toEqual({ ok: true, message, receiveId: APPID });
  });

  test('a padding of a full 32 bytes is removed', () => {
    const plain = frame('z'.repeat(32 - ((20 + APPID.length) % 32)), APPID);
    expect(plain.length % 32).toBe(0);
    expect(decryptMessage(aes, aesRaw(KEY, pad32(plain)))).toMatchObject({ ok: true, receiveId: APPID });
  });

  test('another receive id is returned as it is, for the caller to compare', () => {
    expect(decryptMessage(aes, wxEncrypt(KEY, '<xml/>', 'wx0000000000000000'))).toMatchObject({ ok: true, receiveId: 'wx0000000000000000' });
  });
});

describe('refused ciphertexts', () => {
  const aes = readEncodingAesKey(KEY);
  const good = wxEncrypt(KEY, '<xml><A>1</A></xml>', APPID);

  test.each([
    ['empty', ''],
    ['not base64', 'not base64 at all!'],
    ['base64 without its padding', good.replace(/=+$/, '')],
    ['whitespace inside', `${good.slice(0, 8)}\n${good.slice(8)}`],
    ['truncated to a partial block', Buffer.from(good, 'base64').subarray(0, 40).toString('base64')],
    ['a single block', Buffer.from(good, 'base64').subarray(0, 16).toString('base64')],
  ])('%s', (_name, encrypt) => {
    expect(decryptMessage(aes, encrypt)).toEqual({ ok: false, reason: expect.any(String) });
  });

  test('garbage of whole blocks (decrypts to noise) is refused, not misread', () => {
    for (let attempt = 0; attempt < 50; attempt += 1) {
      const result = decryptMessage(aes, randomBytes(64).toString('base64'));
      // Noise may pad correctly by chance; it then must still fail the length check or give bytes only.
      if (result.ok) expect(result.receiveId).not.toBe(APPID);
    }
  });

  test('truncated to whole blocks: the last block is gone, so is the padding', () => {
    const cut = Buffer.from(good, 'base64');
    expect(decryptMessage(aes, cut.subarray(0, cut.length - 32).toString('base64'))).toMatchObject({ ok: false });
  });

  test.each([
    ['pad value 0', (data: Buffer) => Buffer.concat([data, Buffer.alloc(32 - (data.length % 32), 0)])],
    ['pad value 33', (data: Buffer) => Buffer.concat([data, Buffer.alloc(32 - (data.length % 32) - 1, 1), Buffer.from([33])])],
    [
      'pad bytes that differ',
      (data: Buffer) => {
        const padded = pad32(data);
        const count = padded[padded.length - 1] ?? 0;
        expect(count).toBeGreaterThan(1);
        padded[padded.length - 2] = count + 1;
        return padded;
      },
    ],
  ])('wrong padding: %s', (_name, pad) => {
    const plain = pad(frame('<xml><A>1</A></xml>', APPID));
    expect(plain.length % 16).toBe(0);
    expect(decryptMessage(aes, aesRaw(KEY, plain))).toEqual({ ok: false, reason: 'Encrypt has bad padding' });
  });

  test('a length field past the end', () => {
    const plain = pad32(frame('<xml/>', APPID, undefined, 1_000_000));
    expect(decryptMessage(aes, aesRaw(KEY, plain))).toEqual({ ok: false, reason: 'Encrypt has a bad length field' });
  });

  test('a message that is not UTF-8', () => {
    const plain = pad32(frame(Buffer.from([0x3c, 0xff, 0xfe, 0x3e]), APPID));
    expect(decryptMessage(aes, aesRaw(KEY, plain))).toEqual({ ok: false, reason: 'Encrypt does not hold UTF-8 text' });
  });

  test('the wrong key gives a refusal or another receive id, never the message', () => {
    const other = readEncodingAesKey('B'.repeat(43));
    const result = decryptMessage(other, good);
    if (result.ok) expect(result.receiveId).not.toBe(APPID);
  });
});

describe('signatures', () => {
  const { token, timestamp, nonce, encrypt, msgSignature: signature } = OA_SAMPLE;
  test('upper-case hex is the same signature', () => {
    expect(verifyMsgSignature(token, timestamp, nonce, encrypt, signature.toUpperCase())).toBe(true);
  });
  test.each([
    ['one digit changed', `${signature.slice(0, -1)}b`],
    ['too short', signature.slice(0, 39)],
    ['too long', `${signature}0`],
    ['empty', ''],
  ])('refused: %s', (_name, candidate) => {
    expect(verifyMsgSignature(token, timestamp, nonce, encrypt, candidate)).toBe(false);
  });
  test.each([
    ['token', () => verifyMsgSignature('spamtesT', timestamp, nonce, encrypt, signature)],
    ['timestamp', () => verifyMsgSignature(token, '1409735670', nonce, encrypt, signature)],
    ['nonce', () => verifyMsgSignature(token, timestamp, '1320562133', encrypt, signature)],
    ['Encrypt', () => verifyMsgSignature(token, timestamp, nonce, `A${encrypt.slice(1)}`, signature)],
  ])('another %s does not verify', (_name, verify) => {
    expect(verify()).toBe(false);
  });
});

describe('EncodingAESKey', () => {
  test('43 letters and digits give a 32-byte key and its first 16 bytes as IV', () => {
    const { key, iv } = readEncodingAesKey(KEY);
    expect(key.length).toBe(32);
    expect(iv.equals(key.subarray(0, 16))).toBe(true);
  });
  test.each([
    ['too short', KEY.slice(0, 42)],
    ['too long', `${KEY}A`],
    ['with + or /', `${KEY.slice(0, 42)}+`],
    ['empty', ''],
  ])('%s: a configuration error that does not echo the key', (_name, key) => {
    let thrown: unknown;
    try {
      readEncodingAesKey(key);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toMatchObject({ code: 'CONFIGURATION_ERROR' });
    if (key.length > 0) expect((thrown as Error).message).not.toContain(key);
  });
});

describe('replay window', () => {
  const now = new Date(1_700_000_000_000);
  const at = (offsetSeconds: number) => String(1_700_000_000 + offsetSeconds);
  test('accepts from 15 minutes old to 5 minutes ahead, inclusive', () => {
    expect(isFresh(at(0), now)).toBe(true);
    expect(isFresh(at(-FRESHNESS.maxAgeSeconds), now)).toBe(true);
    expect(isFresh(at(FRESHNESS.maxAheadSeconds), now)).toBe(true);
  });
  test('refuses older or further ahead, and non-numbers', () => {
    expect(isFresh(at(-FRESHNESS.maxAgeSeconds - 1), now)).toBe(false);
    expect(isFresh(at(FRESHNESS.maxAheadSeconds + 1), now)).toBe(false);
    expect(isFresh('', now)).toBe(false);
    expect(isFresh('17e8', now)).toBe(false);
    expect(isFresh('-1', now)).toBe(false);
  });
});
