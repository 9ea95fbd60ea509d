import { transform } from 'esbuild';

/** Every character outside ASCII (by code point). */
// eslint-disable-next-line no-control-regex -- the range starts at NUL on purpose: it is the whole of ASCII
const NON_ASCII = /[^\x00-\x7f]/gu;

function escapeCodePoint(character: string): string {
  const codePoint = character.codePointAt(0) as number;
  return codePoint > 0xffff ? `\\u{${codePoint.toString(16)}}` : `\\u${codePoint.toString(16).padStart(4, '0')}`;
}

/** The code with comments and white space dropped: two texts that differ only there give the same. */
async function codeOnly(code: string): Promise<string> {
  return (await transform(code, { minifyWhitespace: true, legalComments: 'none', charset: 'utf8' })).code;
}

/**
 * Makes a bundle all ASCII, so Node reads it as one-byte text (no UTF-8 decoding, half the memory of a
 * two-byte string). esbuild already escapes non-ASCII characters in strings and names; what is left sits in
 * comments of third-party code, and is written as `\uXXXX` there. Throws if the change reaches anything but
 * comments, which the build checks by comparing both texts with comments and white space removed.
 */
export async function toAsciiBundle(code: string): Promise<{ code: string; escaped: number }> {
  let escaped = 0;
  const ascii = code.replace(NON_ASCII, (character) => {
    escaped += 1;
    return escapeCodePoint(character);
  });
  const [before, after] = escaped > 0 ? await Promise.all([codeOnly(code), codeOnly(ascii)]) : ['', ''];
  if (before !== after) {
    throw new Error('making the bundle ASCII would change more than its comments: a non-ASCII character stands outside a comment');
  }
  return { code: ascii, escaped };
}
