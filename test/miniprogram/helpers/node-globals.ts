/**
 * jsdom test files run the emulator and the runner too: give them the Node globals jsdom's window lacks.
 * Import first.
 */
import { TextDecoder, TextEncoder } from 'util';
import v8 from 'v8';

const global = globalThis as Record<string, unknown>;
global.structuredClone ??= (value: unknown) => v8.deserialize(v8.serialize(value));
global.TextEncoder ??= TextEncoder;
global.TextDecoder ??= TextDecoder;
global.setImmediate ??= (callback: (...args: unknown[]) => void, ...args: unknown[]) => setTimeout(callback, 0, ...args);
