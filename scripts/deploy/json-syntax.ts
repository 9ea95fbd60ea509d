/** Where strict JSON text first goes wrong: 1-based line and column, and what was found there. */
export interface JsonSyntaxError {
  line: number;
  column: number;
  /** What stands at that place: `"]"`, `"/"`, `the end of the file` or a byte-order mark. */
  found: string;
  /** What JSON allows there instead: `a value`, `"," or "}"`, … */
  expected: string;
}

class Stop {
  constructor(
    readonly offset: number,
    readonly expected: string,
  ) {}
}

/**
 * The first syntax error of `text` as strict JSON (RFC 8259, as `JSON.parse` reads it), or undefined when
 * it is valid. Node's own message names no place for most mistakes (a trailing comma, a comment), so the
 * place is found here, by a small recursive-descent reader.
 */
export function findJsonSyntaxError(text: string): JsonSyntaxError | undefined {
  let at = 0;
  const space = () => {
    while (at < text.length && ' \t\n\r'.includes(text[at] as string)) at += 1;
  };
  const literal = (word: string) => {
    for (const char of word) {
      if (text[at] !== char) throw new Stop(at, 'a value');
      at += 1;
    }
  };
  const string = () => {
    if (text[at] !== '"') throw new Stop(at, 'a string in double quotes');
    at += 1;
    for (;;) {
      const char = text[at];
      if (char === undefined || char < ' ') throw new Stop(at, 'the closing " of the string');
      if (char === '"') break;
      if (char === '\\') {
        const escaped = text[at + 1] ?? '';
        if (escaped === 'u') {
          if (!/^[0-9a-fA-F]{4}$/.test(text.slice(at + 2, at + 6))) throw new Stop(at, 'four hex digits after \\u');
          at += 6;
          continue;
        }
        if (!'"\\/bfnrt'.includes(escaped) || escaped === '') throw new Stop(at, 'an escape such as \\n or \\"');
        at += 2;
        continue;
      }
      at += 1;
    }
    at += 1;
  };
  const number = () => {
    const match = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/.exec(text.slice(at));
    if (!match) throw new Stop(at, 'a value');
    at += match[0].length;
  };
  const value = (): void => {
    space();
    const char = text[at];
    if (char === '{') {
      at += 1;
      space();
      if (text[at] === '}') {
        at += 1;
        return;
      }
      for (;;) {
        space();
        string();
        space();
        if (text[at] !== ':') throw new Stop(at, '":"');
        at += 1;
        value();
        space();
        if (text[at] === '}') break;
        if (text[at] !== ',') throw new Stop(at, '"," or "}"');
        at += 1;
      }
      at += 1;
    } else if (char === '[') {
      at += 1;
      space();
      if (text[at] === ']') {
        at += 1;
        return;
      }
      for (;;) {
        value();
        space();
        if (text[at] === ']') break;
        if (text[at] !== ',') throw new Stop(at, '"," or "]"');
        at += 1;
      }
      at += 1;
    } else if (char === '"') string();
    else if (char === 't') literal('true');
    else if (char === 'f') literal('false');
    else if (char === 'n') literal('null');
    else if (char === '-' || (char !== undefined && char >= '0' && char <= '9')) number();
    else throw new Stop(at, 'a value');
  };
  try {
    value();
    space();
    if (at < text.length) throw new Stop(at, 'the end of the file');
    return undefined;
  } catch (error) {
    if (!(error instanceof Stop)) throw error;
    const before = text.slice(0, error.offset).split('\n');
    const char = String.fromCodePoint(text.codePointAt(error.offset) ?? 0);
    const found = error.offset >= text.length ? 'the end of the file' : char === '\ufeff' ? 'a byte-order mark (save the file as UTF-8 without BOM)' : JSON.stringify(char);
    return { line: before.length, column: (before.at(-1)?.length ?? 0) + 1, found, expected: error.expected };
  }
}

/**
 * The problem of a file that is not strict JSON, in one line: where and what, then the fix; the parser's
 * message when no place is found (a text JSON.parse refuses and this reader does not).
 */
export function jsonSyntaxProblem(text: string, parseError: unknown): string {
  const found = findJsonSyntaxError(text);
  const advice = 'remove comments and trailing commas, put keys and strings in double quotes';
  if (found === undefined) {
    const reason = (parseError instanceof Error ? parseError.message : String(parseError)).split('\n')[0];
    return `it is not strict JSON (${reason}): ${advice}`;
  }
  return `it is not strict JSON at line ${found.line}, column ${found.column} (${found.found} where ${found.expected} should be): ${advice}`;
}
