import { findJsonSyntaxError, jsonSyntaxProblem } from '../../scripts/deploy/json-syntax';

describe('findJsonSyntaxError', () => {
  it('names the line and column of the first mistake, and what stands there', () => {
    expect(findJsonSyntaxError('{\n  "permissions": {\n    "openapi": ["analysis.getMonthlyRetain",]\n  }\n}\n')).toEqual({
      line: 3,
      column: 45,
      found: '"]"',
      expected: 'a value',
    });
    expect(findJsonSyntaxError('{\n  // the APIs\n  "permissions": {}\n}')).toEqual({ line: 2, column: 3, found: '"/"', expected: 'a string in double quotes' });
    expect(findJsonSyntaxError('{"a": 1')).toEqual({ line: 1, column: 8, found: 'the end of the file', expected: '"," or "}"' });
    expect(findJsonSyntaxError('')).toEqual({ line: 1, column: 1, found: 'the end of the file', expected: 'a value' });
    expect(findJsonSyntaxError("{'a': 1}")).toMatchObject({ line: 1, column: 2, found: '"\'"' });
    expect(findJsonSyntaxError('{} {}')).toMatchObject({ line: 1, column: 4, expected: 'the end of the file' });
  });

  it('agrees with JSON.parse on what is valid, over many texts and their one-character mutations', () => {
    const samples = [
      '{"permissions":{"openapi":["analysis.getMonthlyRetain"]},"triggers":[{"name":"d","type":"timer","config":"0 0 10 * * * *"}]}',
      '[1, -2.5e+3, 0, true, false, null, "a\\"b\\\\c\\u00e9\\n", {}, []]',
      '\ufeff{"appid": "wx0123456789abcdef"}',
      ' "text" ',
      '-0.0E-1',
    ];
    const alphabet = ['', '{', '}', '[', ']', ',', ':', '"', '\\', '/', '0', '-', '.', 'e', 't', ' ', '\n', '\t', '\u0001', 'x'];
    let compared = 0;
    for (const sample of samples) {
      for (let at = 0; at <= sample.length; at += 1) {
        for (const char of alphabet) {
          for (const text of [sample.slice(0, at) + char + sample.slice(at), sample.slice(0, at) + char + sample.slice(at + 1)]) {
            let valid = true;
            try {
              JSON.parse(text);
            } catch {
              valid = false;
            }
            expect([text, findJsonSyntaxError(text) === undefined]).toEqual([text, valid]);
            compared += 1;
          }
        }
      }
    }
    expect(compared).toBeGreaterThan(5000);
  });
});

test('jsonSyntaxProblem says where, what, and the fix in one line', () => {
  expect(jsonSyntaxProblem('{"a": [1,]}', new SyntaxError('ignored'))).toBe(
    'it is not strict JSON at line 1, column 10 ("]" where a value should be): remove comments and trailing commas, put keys and strings in double quotes',
  );
});
