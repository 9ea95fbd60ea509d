import { echo } from '../../src/errors';

describe('echo: a caller\'s value as a message may quote it', () => {
  test('up to 40 characters are quoted whole; beyond, the first 40 and the length', () => {
    const forty = `'${'a'.repeat(38)}'`; // 40 characters with its quotes
    expect(echo('a'.repeat(38))).toBe(forty);
    expect(echo('a'.repeat(39))).toBe(`'${'a'.repeat(39)}… (41 characters)`);
    expect(echo({ month: 'x'.repeat(100) })).toMatch(/^\{"month":"x{30}… \(112 characters\)$/);
  });

  test('never splits a character: one outside the BMP counts once and stays whole', () => {
    const text = echo('😀'.repeat(50));
    expect(text).toBe(`'${'😀'.repeat(39)}… (52 characters)`);
    expect(text).not.toMatch(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])/);
  });

  test('quotes, backslashes and control characters are escaped', () => {
    expect(echo("it's\\\n")).toBe("'it\\'s\\\\\\u000a'");
  });
});
