// The few declarations of Node's test runner and assert that the tests use:
// enough for `tsc --noEmit` without pulling @types/node into the build.
declare module 'node:test' {
  type Fn = (t: TestContext) => void | Promise<void>;
  interface TestContext {
    test(name: string, fn: Fn): Promise<void>;
  }
  export function test(name: string, fn: Fn): Promise<void>;
  export function describe(name: string, fn: () => void): void;
  export function it(name: string, fn: Fn): void;
  export default test;
}

declare module 'node:assert/strict' {
  interface Assert {
    (value: unknown, message?: string): asserts value;
    ok(value: unknown, message?: string): asserts value;
    equal(actual: unknown, expected: unknown, message?: string): void;
    notEqual(actual: unknown, expected: unknown, message?: string): void;
    deepEqual(actual: unknown, expected: unknown, message?: string): void;
    notDeepEqual(actual: unknown, expected: unknown, message?: string): void;
    throws(fn: () => unknown, expected?: RegExp | ((e: unknown) => boolean), message?: string): void;
    rejects(
      p: Promise<unknown> | (() => Promise<unknown>),
      expected?: RegExp | ((e: unknown) => boolean),
      message?: string,
    ): Promise<void>;
    match(value: string, re: RegExp, message?: string): void;
    fail(message?: string): never;
  }
  const assert: Assert;
  export default assert;
}

// For the test against a real salond (salond.test.ts): loosely typed on purpose.
declare module 'node:net' {
  export function connect(port: number, host: string): any;
  export function createServer(): any;
}
declare module 'node:child_process' {
  export function spawn(cmd: string, args: string[], opts?: any): any;
}
declare module 'node:fs' {
  export function mkdtempSync(prefix: string): string;
  export function writeFileSync(path: string, data: string): void;
  export function rmSync(path: string, opts?: any): void;
  export function existsSync(path: string): boolean;
}
declare module 'node:os' {
  export function tmpdir(): string;
}
declare module 'node:path' {
  export function join(...parts: string[]): string;
  export function resolve(...parts: string[]): string;
}
declare const process: { env: Record<string, string | undefined>; cwd(): string };
